import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestIdp } from '../helpers/test-idp.ts';
import type { TestSidecar } from '../helpers/test-sidecar.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';

describe('OPA Data API, explain and status', () => {
  let idp: TestIdp, sc: TestSidecar, close: () => Promise<void>;
  before(async () => ({ idp, sc, close } = await withSidecar()));
  after(() => close());

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const input = { subject: { roles: ['orders-viewer'] }, request: { method: 'GET', path: '/api/orders/1' } };

  it('POST /v1/data/{path} answers {result, decision_id}; GET takes ?input=<JSON>', async () => {
    const r = await post('/v1/data/authz/allow', { input });
    assert.equal(r.status, 200);
    assert.equal(r.body.result, true);
    assert.match(r.body.decision_id, /^[0-9a-f-]{36}$/);
    const g = await fetch(`${sc.url}/v1/data/authz/decision?input=${encodeURIComponent(JSON.stringify(input))}`);
    assert.deepEqual(((await g.json()) as any).result, { allow: true, reasons: ['role orders-viewer (direct) allows GET /api/orders/**'] });
  });

  it('answers an undefined document without "result", and a path into a result', async () => {
    const undef = await post('/v1/data/authz/decision/nope', { input });
    assert.equal(undef.status, 200);
    assert.deepEqual(Object.keys(undef.body), ['decision_id']);
    assert.equal((await post('/v1/data/authz/decision/allow', { input })).body.result, true);
    assert.deepEqual((await post('/v1/data/authz/decision/reasons/0', { input })).body.result, 'role orders-viewer (direct) allows GET /api/orders/**');
  });

  it('uses OPA error envelopes {code, message}: unknown path, bad JSON, bad input', async () => {
    const unknown = await post('/v1/data/other/rule', { input });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'not_found');
    assert.match(unknown.body.message, /data\/authz\/decision/);
    const bad = await post('/v1/data/authz/allow', '{"input":');
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.body).sort(), ['code', 'message']);
    const badQuery = await fetch(`${sc.url}/v1/data/authz/allow?input=%7Bnope`);
    assert.equal(badQuery.status, 400);
    const arrayWithToken = await post('/v1/data/authz/allow', { input: [1] }, { authorization: `Bearer ${await idp.token('bob')}` });
    assert.equal(arrayWithToken.status, 400);
    assert.match(arrayWithToken.body.message, /must be an object/);
  });

  it('with a bearer token adds the verified subject, replacing a caller-supplied one, and logs the decision', async () => {
    const bob = await idp.token('bob');
    const r = await post(
      '/v1/data/authz/decision?explain=input',
      { input: { subject: { sub: 'mallory', roles: ['admin'] }, request: { method: 'DELETE', path: '/api/orders/1' } } },
      { authorization: `Bearer ${bob}` },
    );
    assert.equal(r.body.result.allow, false);
    assert.equal(r.body.input.subject.sub, 'bob');
    assert.deepEqual(r.body.input.subject.roles, ['orders-viewer']);
    const invalid = await post('/v1/data/authz/allow', { input }, { authorization: 'Bearer garbage' });
    assert.equal(invalid.status, 401);
    assert.equal(invalid.body.code, 'invalid_token');
    await sleep(50);
    const logged = sc.decisions().find((d) => d.decision_id === r.body.decision_id);
    assert.equal(logged.path, 'data/authz/decision');
    assert.deepEqual(logged.subject, { sub: 'bob', iss: idp.issuer, kind: 'user' });
  });

  it('explain=input on /authorize returns the input document with secrets redacted', async () => {
    const alice = await idp.token('alice');
    const res = await fetch(`${sc.url}/authorize?explain=input`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
      body: JSON.stringify({ method: 'GET', path: '/api/orders/1', context: { password: 'hunter2', forwarded: alice, ip: '10.0.0.7' } }),
    });
    const body = (await res.json()) as any;
    assert.equal(body.allow, true);
    assert.equal(body.input.subject.sub, 'alice');
    assert.deepEqual(body.input.request.segments, ['api', 'orders', '1']);
    assert.deepEqual(body.input.context, { password: '[redacted]', forwarded: '[redacted]', ip: '10.0.0.7' });
    assert.ok(!JSON.stringify(body).includes(alice.split('.')[2]!), 'no token in the answer');
    const typo = await fetch(`${sc.url}/authorize?explain=full`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` }, body: '{"method":"GET","path":"/"}' });
    assert.equal(typo.status, 400);
  });

  it('GET /v1/status shows the active bundle', async () => {
    const s = (await (await fetch(`${sc.url}/v1/status`)).json()) as any;
    const b = s.result.bundles.authz;
    assert.match(b.active_revision, /^[0-9a-f]{12}$/);
    assert.equal(b.origin, 'file');
    assert.ok(b.last_successful_activation);
    assert.equal(b.code, undefined);
  });
});

describe('explain disabled', () => {
  it('refuses ?explain=input when http.explain is false', async () => {
    const { sc, close } = await withSidecar({ 'http.explain': false });
    try {
      const res = await fetch(`${sc.url}/v1/data/authz/allow?explain=input`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":{}}' });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as any).message, /explain is disabled/);
    } finally {
      await close();
    }
  });
});
