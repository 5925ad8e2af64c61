import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeRequest } from '../../src/request/normalize-request.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';

const path = (p: string) => normalizeRequest('GET', p).path;
const rejects = (p: string) =>
  assert.throws(() => normalizeRequest('GET', p), (e: unknown) => e instanceof SidecarError && e.code === 'invalid_request', p);

describe('normalizeRequest', () => {
  it('resolves dot segments, never above the root', () => {
    assert.equal(path('/api/orders/../admin'), '/api/admin');
    assert.equal(path('/api/./orders'), '/api/orders');
    assert.equal(path('/../../etc/passwd'), '/etc/passwd');
  });

  it('decodes percent-encoding before resolving, so %2e%2e is ..', () => {
    assert.equal(path('/api/orders/%2e%2e/admin'), '/api/admin');
    assert.equal(path('/api/%6Frders'), '/api/orders');
  });

  it('collapses empty segments and drops the trailing slash', () => {
    assert.equal(path('//api///orders/'), '/api/orders');
    assert.equal(path('/'), '/');
  });

  it('cuts ;params before resolving dot segments (Tomcat-style ..;/ cannot escape)', () => {
    assert.equal(path('/public/..;/admin'), '/admin');
    assert.equal(path('/api;jsessionid=1/orders'), '/api/orders');
  });

  it('refuses encoded slash, backslash and NUL, control characters and fragments', () => {
    for (const p of ['/api%2Forders', '/api%2forders', '/a%5Cb', '/a%00b', '/a b', '/a\\b', '/a#b', '/a%zz', 'api/orders', '']) rejects(p);
  });

  it('keeps case and splits the query into lists', () => {
    const r = normalizeRequest('get', '/API/Orders?a=1&a=2&b=x%20y');
    assert.equal(r.method, 'GET');
    assert.equal(r.path, '/API/Orders');
    assert.deepEqual(r.segments, ['API', 'Orders']);
    assert.deepEqual({ ...r.query }, { a: ['1', '2'], b: ['x y'] });
  });

  it('refuses a method that is not letters', () => {
    for (const m of ['', 'GE T', 'GET\r\n', 42, undefined]) {
      assert.throws(() => normalizeRequest(m, '/'), (e: unknown) => e instanceof SidecarError && e.code === 'invalid_request');
    }
  });
});
