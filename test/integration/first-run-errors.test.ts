/**
 * Issue 17, "clear first-run errors": the mistakes a newcomer makes are answered, in the real sidecar's
 * process log, with what to do — against the demo IdP on loopback and the real sample bundle.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { unusedPort } from '../helpers/local-http.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { spawnSidecar, type SpawnedSidecar } from '../helpers/spawn-sidecar.ts';

const authorize = (s: SpawnedSidecar, token: string) =>
  fetch(`${s.url}/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'GET', path: '/api/orders/1' }),
  });

describe('first-run errors', () => {
  let idp: TestIdp;
  const running: SpawnedSidecar[] = [];
  const start = async (env: Record<string, string>, args: string[] = []) => {
    const s = await spawnSidecar(args, { AUTHZ_LISTEN: '127.0.0.1:0', AUTHZ_BUNDLE: SAMPLE_BUNDLE, AUTHZ_DECISION_LOG: 'none', ...env });
    running.push(s);
    return s;
  };
  before(async () => {
    idp = await startTestIdp();
  });
  after(async () => {
    for (const s of running) s.kill();
    await idp.stop();
  });

  it('an unreachable issuer: the log says it is not reachable and what to check; /ready says discovery is missing', async () => {
    const issuer = `http://127.0.0.1:${await unusedPort()}`;
    const s = await start({ AUTHZ_ISSUER: issuer });
    const line = await s.waitForLog((l) => l['msg'] === 'issuer discovery failed; retrying');
    assert.match(line['detail'], new RegExp(`issuer ${issuer.replace(/\./g, '\\.')} is not reachable: .*ECONNREFUSED`));
    assert.match(line['detail'], /Check the issuer URL \(for Keycloak it ends in \/realms\/<realm>\)/);
    const ready = await fetch(`${s.url}/ready`);
    assert.equal(ready.status, 503);
    assert.match(((await ready.json()) as { message: string }).message, /issuer discovery has not succeeded/);
  });

  it("an issuer that differs from the discovery document's: both are shown, and which one to set", async () => {
    const configured = idp.issuer.replace('127.0.0.1', 'localhost');
    const s = await start({ AUTHZ_ISSUER: configured });
    const line = await s.waitForLog((l) => l['msg'] === 'issuer discovery failed; retrying');
    assert.ok(String(line['detail']).includes(`names issuer '${idp.issuer}', but the configured issuer is '${configured}'`), line['detail']);
    assert.match(line['detail'], /set issuer \(AUTHZ_ISSUER\) to the discovery document's value/);
  });

  it('an audience mismatch: the process log shows expected vs received, once per audience, never the token', async () => {
    const s = await start({ AUTHZ_ISSUER: idp.issuer, AUTHZ_AUDIENCE: 'orders-service' });
    await s.waitReady();
    const token = await idp.token('alice'); // aud: authz-demo
    for (let i = 0; i < 3; i++) {
      const res = await authorize(s, token);
      assert.equal(res.status, 401);
      assert.match(((await res.json()) as { message: string }).message, /claim "aud" is invalid: the token is for another audience/);
    }
    const other = await idp.signed({ sub: 'alice', aud: 'billing' });
    assert.equal((await authorize(s, other)).status, 401);
    await s.waitForLog((l) => l['received'] === 'billing');
    const warns = s.logs().filter((l) => String(l['msg']).startsWith("a token's audience is not one this sidecar accepts"));
    assert.deepEqual(
      warns.map((l) => [l['level'], l['expected'], l['received']]),
      [
        ['warn', ['orders-service'], 'authz-demo'],
        ['warn', ['orders-service'], 'billing'],
      ],
    );
    assert.match(warns[0]!['hint'], /set audience \(AUTHZ_AUDIENCE\)/);
    for (const t of [token, other]) for (const part of t.split('.')) assert.ok(!s.stderr().includes(part), 'no part of a token reaches the process log');
  });

  it('a roles claim userinfo does not contain: a WARN after the first answer, naming the claims it has', async () => {
    const config = join(tempDir(), 'roles.json');
    writeFileSync(config, JSON.stringify({ claims: { roleClaims: ['realm_access.roles'] } }));
    const s = await start({ AUTHZ_ISSUER: idp.issuer }, ['--config', config]);
    await s.waitReady();
    const res = await authorize(s, await idp.token('bob'));
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { allow: boolean }).allow, false);
    const warn = await s.waitForLog((l) => String(l['msg']).startsWith('the first userinfo answer holds none of the role claims'));
    assert.equal(warn['level'], 'warn');
    assert.deepEqual(warn['role_claims'], ['realm_access.roles']);
    assert.deepEqual(warn['claims_present'], ['groups', 'name', 'roles', 'sub']);
    await authorize(s, await idp.token('alice'));
    assert.equal(s.logs().filter((l) => String(l['msg']).startsWith('the first userinfo answer')).length, 1, 'only after the first answer');
  });

  it('no WARN when the first userinfo answer holds a role claim', async () => {
    const s = await start({ AUTHZ_ISSUER: idp.issuer });
    await s.waitReady();
    assert.equal((await authorize(s, await idp.token('bob'))).status, 200);
    assert.equal(s.logs().filter((l) => String(l['msg']).includes('holds none of the role claims')).length, 0);
  });

  it('a bundle without the configured entrypoint: the ones it has, a guess, and what to set', async () => {
    const s = await start({ AUTHZ_ISSUER: idp.issuer, AUTHZ_ENTRYPOINT: 'authz.decision' });
    const line = await s.waitForLog((l) => l['msg'] === 'policy bundle rejected; the active one stays');
    assert.equal(line['level'], 'error');
    assert.match(line['detail'], /bundle has no entrypoint 'authz\.decision' \(it has: authz\/decision, authz\/authzen\/evaluation, authz\/allow\); did you mean 'authz\/decision'\?/);
    assert.match(line['detail'], /Set policy\.entrypoint \(AUTHZ_ENTRYPOINT\) to one of them/);
    const ready = await fetch(`${s.url}/ready`);
    assert.equal(ready.status, 503);
    assert.match(((await ready.json()) as { message: string }).message, /no policy bundle is active \(bundle has no entrypoint 'authz\.decision' \(it has: authz\/decision, authz\/authzen\/evaluation, authz\/allow\)/);
  });
});
