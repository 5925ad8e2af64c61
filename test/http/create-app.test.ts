import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { TestIdp } from '../helpers/test-idp.ts';
import type { TestSidecar } from '../helpers/test-sidecar.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';

describe('HTTP API contract', () => {
  let idp: TestIdp, sc: TestSidecar, close: () => Promise<void>;
  before(async () => ({ idp, sc, close } = await withSidecar({ 'http.maxBodyBytes': 1024, 'http.maxHeaderBytes': 4096 })));
  after(() => close());

  it('answers /health and /ready', async () => {
    assert.deepEqual(await (await fetch(`${sc.url}/health`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${sc.url}/ready`)).json(), { status: 'ready' });
  });

  it('answers unknown routes with a JSON 404 in the {code, message} shape', async () => {
    const res = await fetch(`${sc.url}/nope`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as any).code, 'not_found');
  });

  it('answers 413 payload_too_large for a body over the limit', async () => {
    const res = await sc.authorize(await idp.token('bob'), { method: 'GET', path: `/${'a'.repeat(2000)}` });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'payload_too_large');
  });

  it('answers 431 for headers over the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${sc.url}/health`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: '/health', headers: { 'x-big': 'a'.repeat(8000) } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 431);
  });

  it('never answers allow for a request it could not read', async () => {
    const token = await idp.token('alice');
    for (const body of ['[]', 'null', '"x"', '{"method":"GET","path":"/api/x","context":[]}', '{"method":"GET","path":"/api/x","action":1}']) {
      const res = await sc.authorize(token, body);
      assert.equal(res.status, 400, body);
      assert.equal(res.body.code, 'invalid_request');
      assert.notEqual(res.body.allow, true);
    }
  });
});
