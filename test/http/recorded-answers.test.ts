import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { requestOnce, type OneExchange } from '../helpers/raw-http.ts';

/**
 * Every route has one handler now (src/http/create-handler.ts). Before the lean path and express
 * were merged, both answered these requests identically; their answers were recorded then
 * (test/fixtures/http/recorded-answers.json, from the express path with http.maxBodyBytes 512),
 * and the one handler must still give them, byte for byte, apart from decision ids, token times
 * and the issuer's port.
 */
const RECORDED = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/http/recorded-answers.json'), 'utf8')) as Record<string, unknown>;

/** What a caller can observe, with what differs between runs blanked. */
function observable(r: OneExchange): unknown {
  const keep = ['content-type', 'www-authenticate', 'retry-after', 'x-authz-decision-id', 'connection'];
  const headers = Object.fromEntries(keep.filter((h) => r.headers[h] !== undefined).map((h) => [h, h === 'x-authz-decision-id' ? 'id' : r.headers[h]]));
  const body = r.body
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'id')
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, 'ISSUER')
    .replace(/"(iat|exp|nbf)":\d+/g, '"$1":0');
  return { status: r.status, headers, body };
}

describe('the API answers as recorded before its two request paths became one', () => {
  let idp: TestIdp;
  let sc: TestSidecar;
  let bob: string;
  before(async () => {
    idp = await startTestIdp();
    sc = await startTestSidecar(idp.issuer, { 'http.maxBodyBytes': 512 });
    bob = await idp.token('bob');
  });
  after(async () => {
    await sc.stop();
    await idp.stop();
  });

  const json = { 'content-type': 'application/json' };
  const auth = (): Record<string, string> => ({ ...json, authorization: `Bearer ${bob}` });
  const cases: [string, () => [string, string, Record<string, string>, string?]][] = [
    ['allow', () => ['POST', '/authorize', auth(), '{"method":"GET","path":"/api/orders/1"}']],
    ['deny', () => ['POST', '/authorize', auth(), '{"method":"DELETE","path":"/api/orders/1"}']],
    ['charset utf-8', () => ['POST', '/authorize', { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${bob}` }, '{"method":"GET","path":"/api/orders/1"}']],
    ['no token', () => ['POST', '/authorize', json, '{"method":"GET","path":"/"}']],
    ['garbage token', () => ['POST', '/authorize', { ...json, authorization: 'Bearer x.y.z' }, '{"method":"GET","path":"/"}']],
    ['malformed JSON', () => ['POST', '/authorize', auth(), '{"method":']],
    ['a JSON string', () => ['POST', '/authorize', auth(), '"GET"']],
    ['whitespace only', () => ['POST', '/authorize', auth(), '   ']],
    ['empty body', () => ['POST', '/authorize', auth(), '']],
    ['an array', () => ['POST', '/authorize', auth(), '[1]']],
    ['duplicate keys', () => ['POST', '/authorize', auth(), '{"method":"GET","path":"/api/admin","path":"/api/orders/1"}']],
    ['BOM', () => ['POST', '/authorize', auth(), '\ufeff{"method":"GET","path":"/"}']],
    ['unknown field', () => ['POST', '/authorize', auth(), '{"method":"GET","path":"/","x":1}']],
    ['too large', () => ['POST', '/authorize', auth(), JSON.stringify({ method: 'GET', path: `/${'a'.repeat(600)}` })]],
    ['text/plain', () => ['POST', '/authorize', { 'content-type': 'text/plain', authorization: `Bearer ${bob}` }, 'x']],
    ['no content type', () => ['POST', '/authorize', { authorization: `Bearer ${bob}` }, '{"method":"GET","path":"/api/orders/1"}']],
    ['latin1 charset', () => ['POST', '/authorize', { 'content-type': 'application/json; charset=latin1', authorization: `Bearer ${bob}` }, '{}']],
    ['path traversal', () => ['POST', '/authorize', auth(), '{"method":"GET","path":"/api/orders/../admin"}']],
    ['explain', () => ['POST', '/authorize?explain=input', auth(), '{"method":"GET","path":"/api/orders/1"}']],
    ['explain bad value', () => ['POST', '/authorize?explain=full', auth(), '{"method":"GET","path":"/api/orders/1"}']],
    ['GET /authorize', () => ['GET', '/authorize', { authorization: `Bearer ${bob}` }]],
    ['forward-auth allow', () => ['GET', '/forward-auth', { authorization: `Bearer ${bob}`, 'x-original-method': 'GET', 'x-original-uri': '/api/orders/7' }]],
    ['forward-auth deny', () => ['GET', '/forward-auth', { authorization: `Bearer ${bob}`, 'x-forwarded-method': 'DELETE', 'x-forwarded-uri': '/api/orders/7' }]],
    ['forward-auth conflict', () => ['GET', '/forward-auth', { authorization: `Bearer ${bob}`, 'x-forwarded-uri': '/api/orders/7', 'x-original-uri': '/api/admin', 'x-original-method': 'GET' }]],
    ['forward-auth no headers', () => ['POST', '/forward-auth?x=1', { authorization: `Bearer ${bob}` }]],
    ['forward-auth no token', () => ['GET', '/forward-auth', { 'x-original-method': 'GET', 'x-original-uri': '/api/orders/7' }]],
    ['health', () => ['GET', '/health', {}]],
    ['ready', () => ['GET', '/ready', {}]],
    ['unknown route', () => ['GET', '/nope', {}]],
  ];

  it('covers every recorded answer', () => {
    assert.deepEqual(cases.map(([name]) => name).sort(), Object.keys(RECORDED).sort());
  });
  for (const [name, make] of cases) {
    it(name, async () => {
      const [method, path, headers, body] = make();
      assert.deepEqual(observable(await requestOnce(sc.url, method, path, headers, body)), RECORDED[name]);
    });
  }
});
