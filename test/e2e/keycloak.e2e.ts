// End to end with a real IdP: Keycloak 26.7.3 (started by global-setup.ts) issues subject-only
// access tokens; the sidecar runs as its own process (`bin/authz-sidecar.js serve`), finds
// Keycloak's keys and userinfo endpoint through OIDC discovery, and fetches each user's roles from
// userinfo. Users and groups: scripts/keycloak/gen-realm.mjs; policy: rego/authz/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REALM, issuer, passwordToken, payloadOf, tamper } from './helpers/keycloak.ts';
import { startSidecarProcess, type SidecarProcess } from './helpers/processes.ts';

describe('Keycloak → authz-sidecar: subject-only tokens, roles from userinfo', () => {
  let sidecar: SidecarProcess;
  const tokens: Record<string, string> = {};

  before(async () => {
    sidecar = await startSidecarProcess({ AUTHZ_ISSUER: issuer(), AUTHZ_AUDIENCE: REALM.audience });
    for (const user of ['alice', 'bob', 'carol', 'dave']) tokens[user] = await passwordToken(user);
  });
  after(async () => {
    assert.equal(await sidecar?.stop(), 0, 'the sidecar exits 0 on SIGTERM');
  });

  async function authorize(token: string, method: string, path: string) {
    const res = await fetch(`${sidecar.url}/authorize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, path }),
    });
    return { status: res.status, body: (await res.json()) as { allow?: boolean; decision_id: string; reasons?: string[]; code?: string } };
  }

  it('gets access tokens from Keycloak that carry who, not what: no roles, no groups', () => {
    for (const [user, token] of Object.entries(tokens)) {
      const p = payloadOf(token);
      assert.equal(p['iss'], issuer(), user);
      assert.equal(p['aud'], REALM.audience, user);
      assert.equal(typeof p['sub'], 'string', user);
      for (const claim of ['roles', 'groups', 'realm_access', 'resource_access']) assert.equal(p[claim], undefined, `${user}: ${claim}`);
    }
  });

  it('allows alice (group admins → role admin) to DELETE /api/orders/1', async () => {
    const r = await authorize(tokens['alice']!, 'DELETE', '/api/orders/1');
    assert.equal(r.status, 200);
    assert.equal(r.body.allow, true);
    // userinfo has both alice's realm role and her group; each grants it on its own.
    assert.deepEqual(r.body.reasons, ['role admin (direct) allows * /api/**', 'role admin (via group admins) allows * /api/**']);
  });

  it('allows bob (group order-readers → role orders-viewer) to GET /api/orders/1 but not to DELETE it', async () => {
    const get = await authorize(tokens['bob']!, 'GET', '/api/orders/1');
    assert.equal(get.status, 200);
    assert.equal(get.body.allow, true);
    const del = await authorize(tokens['bob']!, 'DELETE', '/api/orders/1');
    assert.equal(del.status, 200);
    assert.equal(del.body.allow, false);
    assert.deepEqual(del.body.reasons, ['no grant matches DELETE /api/orders/1']);
  });

  it('allows carol (group api-readers: 501 roles, orders-viewer among them) to GET /api/orders/1 with her subject-only token', async () => {
    assert.equal(REALM.users['carol']!.roles.length, 501);
    assert.ok(REALM.users['carol']!.roles.includes('orders-viewer'));
    const r = await authorize(tokens['carol']!, 'GET', '/api/orders/1');
    assert.equal(r.status, 200);
    assert.equal(r.body.allow, true);
    assert.deepEqual(r.body.reasons, ['role orders-viewer (direct) allows GET /api/orders/**']);
  });

  it('denies dave (no group, no role: Keycloak leaves both claims out of userinfo)', async () => {
    const r = await authorize(tokens['dave']!, 'GET', '/api/orders/1');
    assert.equal(r.status, 200);
    assert.equal(r.body.allow, false);
    assert.ok(r.body.reasons?.includes('subject has no role known to this policy'), JSON.stringify(r.body.reasons));
  });

  it('refuses a tampered token with 401 (bob\'s token claiming to be alice)', async () => {
    const forged = tamper(tokens['bob']!, { sub: payloadOf(tokens['alice']!)['sub'] });
    const r = await authorize(forged, 'DELETE', '/api/orders/1');
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'invalid_token');
  });

  it('logged each decision with the roles fetched from userinfo', async () => {
    const carol = await sidecar.decision((d) => d.subject?.sub === payloadOf(tokens['carol']!)['sub']);
    assert.equal(carol.claims.source, 'userinfo');
    assert.equal(carol.result.allow, true);
  });

  it('measures carol\'s access token: subject-only versus with her 501 roles in it', async () => {
    const subjectOnly = Buffer.byteLength(tokens['carol']!);
    const withRoles = await passwordToken('carol', REALM.scopes.rolesInToken);
    const withRolesBytes = Buffer.byteLength(withRoles);
    assert.equal((payloadOf(withRoles)['roles'] as string[]).length, 501);
    console.log(`carol's access token: ${subjectOnly} bytes subject-only (scope '${REALM.scopes.subjectOnly}'), ` +
      `${withRolesBytes} bytes with roles in the token (scope '${REALM.scopes.rolesInToken}')`);
    assert.ok(subjectOnly < 1024, `subject-only token is ${subjectOnly} bytes`);
    assert.ok(withRolesBytes > subjectOnly);
    // The role-laden token is over the sidecar's default token.maxBytes (8192): refused before parsing.
    const r = await authorize(withRoles, 'GET', '/api/orders/1');
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'token_too_large');
  });
});
