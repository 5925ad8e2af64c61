import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { faults, TEST_AUDIENCE, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../helpers/fault-idp.ts';
import { claimsSetup } from '../helpers/claims-setup.ts';

const del = { method: 'DELETE', path: '/api/orders/1' };
const get = { method: 'GET', path: '/api/orders/1' };
const client = { 'claims.clientId': TEST_CLIENT_ID, 'claims.clientSecret': TEST_CLIENT_SECRET };
const exp = () => Math.floor(Date.now() / 1000) + 3600;

describe('introspection as a claims source (RFC 7662)', () => {
  it('takes the roles from introspection instead of userinfo, and caches the answer for that token', async () => {
    const s = await claimsSetup({ ...client, 'claims.sources': ['introspection'] });
    try {
      s.idp.users.set('alice', { realm_access: { roles: ['admin'] } });
      const token = await s.idp.token({ sub: 'alice' });
      const sc = await startWith(s, { 'claims.roleClaims': ['realm_access.roles'] });
      const first = await sc.authorize(token, del);
      assert.equal(first.body.allow, true);
      assert.equal((await sc.authorize(token, del)).body.allow, true);
      assert.equal(s.idp.calls.introspection.get('alice'), 1);
      assert.equal(s.idp.total('userinfo'), 0);
      await sc.stop();
    } finally {
      await s.close();
    }
  });

  it('answers 401 claims_rejected for active: false, and 503 when introspection refuses our client credentials', async () => {
    const s = await claimsSetup({ ...client, 'claims.sources': ['introspection'] });
    try {
      s.idp.introspection = (ctx) => ctx.ok({ active: false });
      const res = await s.sc.authorize(await s.idp.token({ sub: 'alice' }), del);
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'claims_rejected');
      assert.notEqual(res.body.allow, true);

      s.idp.introspection = faults.status(401, '{"error":"invalid_client"}', 'application/json');
      const creds = await s.sc.authorize(await s.idp.token({ sub: 'bob' }), del);
      assert.equal(creds.status, 503, 'our credentials are not the caller\'s fault');
      assert.match((await s.logged(creds.body.decision_id)).error.message, /client credentials/);
    } finally {
      await s.close();
    }
  });

  it('merges introspection and userinfo when both are configured', async () => {
    const s = await claimsSetup({ ...client, 'claims.sources': ['introspection', 'userinfo'] });
    try {
      s.idp.introspection = (ctx) => ctx.ok({ ...ctx.claims, roles: ['orders-viewer'] });
      s.idp.userinfo = (ctx) => ctx.ok({ ...ctx.claims, roles: ['admin'] });
      const res = await s.sc.authorize(await s.idp.token({ sub: 'alice' }), del);
      assert.equal(res.body.allow, true);
      const line = await s.logged(res.body.decision_id);
      assert.equal(line.claims.source, 'introspection+userinfo');
      assert.equal(line.claims.cache, 'miss+miss');
    } finally {
      await s.close();
    }
  });
});

describe('tokens verified by introspection (claims.introspection.verifyTokens)', () => {
  const setup = () => claimsSetup({ ...client, 'claims.introspection.verifyTokens': true });

  it('accepts an active opaque token with one introspection call, and its roles', async () => {
    const s = await setup();
    try {
      s.idp.opaque.set('opaque-token-1', { sub: 'alice', exp: exp(), aud: TEST_AUDIENCE, scope: 'openid', roles: ['admin'] });
      const res = await s.sc.authorize('opaque-token-1', del);
      assert.equal(res.status, 200);
      assert.equal(res.body.allow, true);
      assert.equal(s.idp.calls.introspection.get('alice'), 1, 'verification and claims share one call');
      const line = await s.logged(res.body.decision_id);
      assert.deepEqual(line.subject, { sub: 'alice', iss: s.idp.issuer, kind: 'user' });
      assert.equal(line.claims.source, 'introspection');
      assert.equal(s.idp.total('userinfo'), 0, 'roles came with introspection');
    } finally {
      await s.close();
    }
  });

  it('accepts a Keycloak-style lightweight JWT without sub, the subject coming from introspection', async () => {
    const s = await setup();
    try {
      // Keycloak's introspection adds what the lightweight token leaves out: sub and the roles.
      s.idp.introspection = (ctx) => ctx.ok({ ...ctx.claims, sub: 'alice', roles: ['admin'] });
      const lightweight = await s.idp.token({ sub: undefined, sid: 'session-1' });
      assert.equal(JSON.parse(Buffer.from(lightweight.split('.')[1]!, 'base64url').toString()).sub, undefined);
      const res = await s.sc.authorize(lightweight, del);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.allow, true);
      assert.deepEqual((await s.logged(res.body.decision_id)).subject.sub, 'alice');
    } finally {
      await s.close();
    }
  });

  const refused: [string, Record<string, unknown> | undefined, RegExp][] = [
    ['unknown to the IdP (active: false)', undefined, /inactive/],
    ['expired', { sub: 'alice', exp: Math.floor(Date.now() / 1000) - 120, aud: TEST_AUDIENCE }, /expired/],
    ['for another audience', { sub: 'alice', exp: exp(), aud: 'other-service' }, /aud/],
    ['without exp', { sub: 'alice', aud: TEST_AUDIENCE }, /exp/],
    ['a refresh token', { sub: 'alice', exp: exp(), aud: TEST_AUDIENCE, typ: 'Refresh' }, /access tokens/],
  ];
  for (const [name, claims, why] of refused) {
    it(`refuses (401 invalid_token) an opaque token ${name}`, async () => {
      const s = await setup();
      try {
        if (claims) s.idp.opaque.set('opaque-x', claims);
        const res = await s.sc.authorize('opaque-x', get);
        assert.equal(res.status, 401);
        assert.equal(res.body.code, 'invalid_token');
        assert.match(res.body.message, why);
        assert.notEqual(res.body.allow, true);
      } finally {
        await s.close();
      }
    });
  }

  it('without verifyTokens, an opaque token is refused before any IdP call', async () => {
    const s = await claimsSetup({ ...client, 'claims.sources': ['introspection'] });
    try {
      s.idp.opaque.set('opaque-token-1', { sub: 'alice', exp: exp(), aud: TEST_AUDIENCE });
      const res = await s.sc.authorize('opaque-token-1', get);
      assert.equal(res.status, 401);
      assert.equal(s.idp.total('introspection'), 0);
    } finally {
      await s.close();
    }
  });
});

/** A second sidecar on the same IdP with more overrides (the setup's sidecar stays as it is). */
async function startWith(s: Awaited<ReturnType<typeof claimsSetup>>, overrides: Record<string, unknown>) {
  const { startTestSidecar } = await import('../helpers/test-sidecar.ts');
  return startTestSidecar(s.idp.issuer, { audience: [TEST_AUDIENCE], ...client, 'claims.sources': ['introspection'], ...overrides });
}
