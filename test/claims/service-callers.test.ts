import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTokenIdp, SERVICE_A, type TokenIdp } from '../helpers/token-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';

/**
 * Service callers on the way in (`claims.serviceClaim`, src/claims/enrich-claims.ts): a client-credentials
 * token is a service, with no userinfo call, `input.subject.kind` `service` and `client_id`; the sample
 * policy allows it only on the routes its client is registered for (rego/authz/data.json
 * `client_grants`); the decision log tells it from a user. Also tokens in a cookie (`token.cookie`).
 */

let idp: TokenIdp;
let sidecar: TestSidecar;
let serviceToken: string;

before(async () => {
  idp = await startTokenIdp();
  sidecar = await startTestSidecar(idp.issuer, {
    'claims.serviceClaim': 'client_id',
    'token.cookie': 'access_token',
    'tokens.clientId': SERVICE_A.id,
    'tokens.clientSecret': SERVICE_A.secret,
  });
  // The sidecar's own client-credentials token, minted for this sidecar's audience: service-a calling us.
  const r = await fetch(`${sidecar.url}/v1/tokens/service`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ audience: DEMO_AUDIENCE }) });
  serviceToken = ((await r.json()) as { access_token: string }).access_token;
});
after(async () => {
  await sidecar?.stop();
  await idp?.stop();
});

describe('service callers', () => {
  test("service-a's token: allowed on its registered route, with kind service and client_id, and no userinfo call", async () => {
    const r = await sidecar.authorize(`Bearer ${serviceToken}`, { method: 'GET', path: '/api/orders/1' }, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.allow, true, JSON.stringify(r.body));
    assert.deepEqual(r.body.reasons, ['registered client service-a allows GET /api/orders/**']);
    const explained = await fetch(`${sidecar.url}/authorize?explain=input`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` },
      body: JSON.stringify({ method: 'GET', path: '/api/orders/1' }),
    }).then((x) => x.json() as Promise<{ input: { subject: Record<string, unknown> } }>);
    assert.equal(explained.input.subject['kind'], 'service');
    assert.equal(explained.input.subject['client_id'], SERVICE_A.id);
    assert.equal(idp.userinfoCalls.get(`service-account-${SERVICE_A.id}`) ?? 0, 0);
    const logged = await sidecar.decision(r.body.decision_id);
    assert.deepEqual(logged.subject, { sub: `service-account-${SERVICE_A.id}`, iss: idp.issuer, kind: 'service', client_id: SERVICE_A.id });
    assert.equal(logged.claims.source, 'token');
  });

  test('service-a is denied on routes it is not registered for, even where a user role would allow', async () => {
    for (const [method, path] of [['DELETE', '/api/orders/1'], ['GET', '/api/users']]) {
      const r = await sidecar.authorize(`Bearer ${serviceToken}`, { method, path });
      assert.equal(r.body.allow, false, `${method} ${path}`);
    }
  });

  test("a user's token is kind user, whatever claims it carries; the log says so", async () => {
    const bob = await idp.token('bob');
    const r = await sidecar.authorize(bob, { method: 'GET', path: '/api/orders/1' });
    assert.equal(r.body.allow, true);
    assert.equal((await sidecar.decision(r.body.decision_id)).subject.kind, 'user');
    // A token claiming kind "service" without the service claim is still a user's (and gains no client grant).
    const sneaky = await idp.signed({ sub: 'mallory', kind: 'service' });
    const s = await sidecar.authorize(sneaky, { method: 'GET', path: '/api/orders/1' });
    assert.equal(s.body.allow, false);
    assert.equal((await sidecar.decision(s.body.decision_id)).subject.kind, 'user');
  });
});

describe('token.cookie', () => {
  const withCookie = (cookie: string, authorization?: string) =>
    fetch(`${sidecar.url}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ method: 'GET', path: '/api/orders/1' }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));

  test('a request without Authorization may carry its token in the configured cookie', async () => {
    const bob = await idp.token('bob');
    const r = await withCookie(`theme=dark; access_token=${bob}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.allow, true);
    const same = await withCookie(`access_token=${bob}`, `Bearer ${bob}`);
    assert.equal(same.body.allow, true);
  });

  test('the cookie twice, or a cookie and a different Authorization header, are 400: never one of two identities', async () => {
    const bob = await idp.token('bob');
    const alice = await idp.token('alice');
    assert.equal((await withCookie(`access_token=${bob}; access_token=${alice}`)).status, 400);
    const both = await withCookie(`access_token=${bob}`, `Bearer ${alice}`);
    assert.equal(both.status, 400);
    assert.equal(both.body.code, 'invalid_request');
  });

  test('another cookie name is no credential: 401 missing_token', async () => {
    const bob = await idp.token('bob');
    const r = await withCookie(`session=${bob}`);
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'missing_token');
  });
});
