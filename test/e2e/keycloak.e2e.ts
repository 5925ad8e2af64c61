// End to end with a real IdP: Keycloak 26.7.3 (started by global-setup.ts) issues subject-only
// access tokens; the sidecar runs as its own process (`bin/authz-sidecar.js serve`), finds
// Keycloak's keys and userinfo endpoint through OIDC discovery, and fetches each user's roles from
// userinfo. Users and groups: scripts/keycloak/gen-realm.mjs; policy: rego/authz/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { REALM, issuer, passwordToken, payloadOf, tamper } from './helpers/keycloak.ts';
import { startSidecarProcess, type SidecarProcess } from './helpers/processes.ts';
import { runInit } from '../../src/init/run-init.ts';
import { buildBundle, pinnedOpa, tempDir } from '../helpers/bundles.ts';

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

describe('authz-sidecar init against Keycloak: the config and policy it writes serve real decisions', () => {
  it('checks the realm, writes a Keycloak config and a policy from the routes, and the sidecar decides with them', async () => {
    const cwd = tempDir('authz-e2e-init-');
    let out = '';
    const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()));
    const args = ['--idp', 'keycloak', '--issuer', issuer(), '--audience', REALM.audience, '--token', await passwordToken('bob')];
    const routes = ['--route', 'GET,HEAD /api/orders/** orders-viewer', '--route', '* /api/** admin'];
    const code = await runInit([...args, ...routes], { stdin: new PassThrough(), stdout, stderr: stdout, cwd, env: {}, isTTY: false });
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`ok {3}discovery: issuer ${issuer().replace(/[./]/g, '\\$&')}, keys at `));
    assert.match(out, /ok {3}userinfo at .*\/protocol\/openid-connect\/userinfo answers \(401 without a token, as it should\)/);
    assert.match(out, new RegExp(`ok {3}your token verifies: sub [0-9a-f-]+, aud "${REALM.audience}"`));
    assert.match(out, /ok {3}userinfo answers the roles \(1\) at realm_access\.roles \/ roles; its claims: groups, preferred_username, roles, sub/);
    assert.match(out, /ok {3}the policy will see 1 role\(s\): orders-viewer/);

    const dir = join(cwd, 'authz-setup');
    const opaTest = spawnSync(pinnedOpa(), ['test', join(dir, 'policy')], { encoding: 'utf8' });
    assert.equal(opaTest.status, 0, opaTest.stdout + opaTest.stderr);
    const bundle = buildBundle(join(dir, 'policy/authz'), join(dir, 'bundles/authz.tar.gz'), 'authz');
    // The written config as it is (issuer, audience, Keycloak's role claims); only the paths are made absolute,
    // because the suite's sidecar runs from the repository root.
    const sidecar = await startSidecarProcess({ AUTHZ_CONFIG: join(dir, 'authz-sidecar.yaml'), AUTHZ_BUNDLE: bundle });
    try {
      const decide = async (user: string, method: string, path: string) => {
        const res = await fetch(`${sidecar.url}/authorize`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await passwordToken(user)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ method, path }),
        });
        assert.equal(res.status, 200, user);
        return (await res.json()) as { allow: boolean; reasons: string[] };
      };
      const bobGet = await decide('bob', 'GET', '/api/orders/1');
      assert.equal(bobGet.allow, true);
      assert.deepEqual(bobGet.reasons, ['role orders-viewer (direct) allows GET,HEAD /api/orders/**']);
      assert.equal((await decide('bob', 'DELETE', '/api/orders/1')).allow, false);
      const alice = await decide('alice', 'DELETE', '/api/orders/1');
      assert.equal(alice.allow, true);
      assert.deepEqual(alice.reasons, ['role admin (direct) allows * /api/**']);
      assert.equal((await decide('carol', 'GET', '/api/orders/1')).allow, true);
      assert.equal((await decide('dave', 'GET', '/api/orders/1')).allow, false);
    } finally {
      await sidecar.stop();
    }
  });
});
