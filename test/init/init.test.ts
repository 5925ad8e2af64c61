/**
 * `authz-sidecar init` against the demo IdP (issue 17): the configuration and policy it writes pass their own
 * `opa test`, build with the real opa, and serve real decisions in the real sidecar.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { runInit, type InitIo } from '../../src/init/run-init.ts';
import { buildBundle, pinnedOpa, ROOT, tempDir } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { spawnSidecar } from '../helpers/spawn-sidecar.ts';

const ROUTES = ['--route', 'GET,HEAD /api/orders/** orders-viewer', '--route', '* /api/** admin'];

/** Runs init in-process with captured output; `answers` are typed into its questions. */
async function init(args: string[], answers?: string[]): Promise<{ code: number; out: string; err: string; dir: string }> {
  const cwd = tempDir('authz-init-');
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  if (answers) stdin.end(answers.map((a) => `${a}\n`).join(''));
  const io: InitIo = { stdin, stdout, stderr, cwd, env: {}, isTTY: false };
  const code = await runInit(answers ? ['--interactive', ...args] : args, io);
  return { code, out, err, dir: join(cwd, 'authz-setup') };
}

describe('authz-sidecar init', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(() => idp.stop());

  it('writes a config and a policy that pass opa test, build with opa, and serve real decisions', async () => {
    const r = await init(['--issuer', idp.issuer, '--audience', 'authz-demo', ...ROUTES, '--token', await idp.token('bob')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /ok {3}discovery: issuer http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.out, /ok {3}userinfo at .* answers \(401 without a token, as it should\)/);
    assert.match(r.out, /ok {3}your token verifies: sub bob, aud "authz-demo"/);
    assert.match(r.out, /ok {3}userinfo answers the roles \(1\) at roles; its claims: groups, name, roles, sub/);
    assert.match(r.out, /opa test authz-setup\/policy -v/);
    assert.match(r.out, /build-policies\.sh authz-setup\/policy\/authz authz-setup\/bundles\/authz\.tar\.gz authz/);

    const config = parse(readFileSync(join(r.dir, 'authz-sidecar.yaml'), 'utf8'));
    assert.deepEqual(config, {
      issuer: idp.issuer,
      audience: ['authz-demo'],
      claims: { roleClaims: ['roles'] },
      policy: { bundle: 'bundles/authz.tar.gz', entrypoint: 'authz/decision' },
    });
    assert.equal(readFileSync(join(r.dir, 'policy/authz/policy.rego'), 'utf8'), readFileSync(join(ROOT, 'rego/authz/policy.rego'), 'utf8'));

    const opaTest = spawnSync(pinnedOpa(), ['test', join(r.dir, 'policy'), '-v'], { encoding: 'utf8' });
    assert.equal(opaTest.status, 0, opaTest.stdout + opaTest.stderr);
    assert.match(opaTest.stdout, /PASS: 4\/4/);

    buildBundle(join(r.dir, 'policy/authz'), join(r.dir, 'bundles/authz.tar.gz'), 'authz');
    const s = await spawnSidecar(['--config', 'authz-sidecar.yaml'], { AUTHZ_LISTEN: '127.0.0.1:0', AUTHZ_DECISION_LOG: 'none' }, { cwd: r.dir });
    try {
      await s.waitReady();
      const decide = async (user: string, method: string, path: string) => {
        const res = await fetch(`${s.url}/authorize`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await idp.token(user)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ method, path }),
        });
        assert.equal(res.status, 200);
        return ((await res.json()) as { allow: boolean }).allow;
      };
      assert.equal(await decide('bob', 'GET', '/api/orders/7'), true);
      assert.equal(await decide('bob', 'HEAD', '/api/orders'), true);
      assert.equal(await decide('bob', 'DELETE', '/api/orders/7'), false);
      assert.equal(await decide('alice', 'DELETE', '/api/orders/7'), true);
      assert.equal(await decide('alice', 'GET', '/admin'), false);
      assert.equal(await decide('gina', 'GET', '/api/orders/7'), false);
    } finally {
      s.kill();
    }
  });

  it("the generated opa tests fail when the data no longer grants the routes (they test the policy's data)", async () => {
    const r = await init(['--issuer', idp.issuer, ...ROUTES, '--skip-checks']);
    assert.equal(r.code, 0, r.err);
    writeFileSync(join(r.dir, 'policy/authz/data.json'), '{"role_grants": {}, "group_roles": {}}\n');
    const opaTest = spawnSync(pinnedOpa(), ['test', join(r.dir, 'policy')], { encoding: 'utf8' });
    assert.notEqual(opaTest.status, 0);
    assert.match(opaTest.stdout, /FAIL: 2\/4/);
  });

  it('asks for what is missing, and re-asks an answer it cannot use', async () => {
    const r = await init([], ['generic', idp.issuer, 'authz-demo', 'GET /api/orders', 'GET /api/orders/** orders-viewer', '', '']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Your IdP \(keycloak, auth0, entra, okta, generic\) \[generic\]: /);
    assert.match(r.out, /Issuer URL \(for example https:\/\/idp\.example\.com\): /);
    assert.match(r.out, /route 'GET \/api\/orders': expected "<METHODS> <path> <role>"/);
    assert.match(r.out, /WARN no --token given/);
    assert.deepEqual(JSON.parse(readFileSync(join(r.dir, 'policy/authz/data.json'), 'utf8')).role_grants, {
      'orders-viewer': [{ methods: ['GET'], path: '/api/orders/**' }],
    });
  });

  it('without a terminal, a missing required value is an error naming the flag, and nothing is written', async () => {
    const r = await init(['--issuer', idp.issuer]);
    assert.equal(r.code, 2);
    assert.match(r.err, /init: --route is required/);
    assert.equal(existsSync(r.dir), false);
    const auth0 = await init(['--idp', 'auth0', '--issuer', idp.issuer, ...ROUTES]);
    assert.equal(auth0.code, 2);
    assert.match(auth0.err, /--roles-claim \(Auth0 has no standard roles claim\) is required/);
  });

  it('stops before writing when a check fails: an issuer that differs from its discovery document, shown both ways', async () => {
    const configured = idp.issuer.replace('127.0.0.1', 'localhost');
    const r = await init(['--issuer', configured, ...ROUTES]);
    assert.equal(r.code, 1);
    assert.ok(r.out.includes(`FAIL the discovery document names issuer '${idp.issuer}', but the configured issuer is '${configured}'`), r.out);
    assert.match(r.err, /nothing was written/);
    assert.equal(existsSync(r.dir), false);
  });

  it("stops on a test token for another audience, showing the sidecar's expected vs received", async () => {
    const r = await init(['--issuer', idp.issuer, '--audience', 'orders-service', ...ROUTES, '--token', await idp.token('bob')]);
    assert.equal(r.code, 1);
    assert.match(r.out, /FAIL your token: claim "aud" is invalid: the token is for another audience/);
    assert.match(r.out, /"expected":\["orders-service"\],"received":"authz-demo"/);
  });

  it("warns when userinfo has none of the preset's role claims, naming the ones it has", async () => {
    const r = await init(['--idp', 'keycloak', '--issuer', idp.issuer, ...ROUTES, '--token', await idp.token('bob')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /ok {3}userinfo answers the roles \(1\) at realm_access\.roles \/ roles/);
    const only = await init(['--idp', 'keycloak', '--roles-claim', 'realm_access.roles', '--issuer', idp.issuer, ...ROUTES, '--token', await idp.token('bob')]);
    assert.match(only.out, /WARN userinfo has none of the role claims realm_access\.roles; it has: groups, name, roles, sub/);
    assert.match(only.out, /note \(Keycloak\): Keycloak puts roles in userinfo only when the role mapper has "Add to userinfo" on/);
  });

  it('presets: Entra ID reads app roles from the token and never calls userinfo; Okta reads groups', async () => {
    const entra = await init(['--idp', 'entra', '--issuer', idp.issuer, ...ROUTES, '--skip-checks']);
    assert.deepEqual(parse(readFileSync(join(entra.dir, 'authz-sidecar.yaml'), 'utf8')).claims, { roleClaims: ['roles'], enrich: 'never' });
    const okta = await init(['--idp', 'okta', '--issuer', idp.issuer, ...ROUTES, '--skip-checks']);
    assert.deepEqual(parse(readFileSync(join(okta.dir, 'authz-sidecar.yaml'), 'utf8')).claims, { roleClaims: ['groups'] });
    const auth0 = await init(['--idp', 'auth0', '--roles-claim', 'https://example.com/roles', '--issuer', idp.issuer, ...ROUTES, '--skip-checks']);
    assert.deepEqual(parse(readFileSync(join(auth0.dir, 'authz-sidecar.yaml'), 'utf8')).claims, { roleClaims: ['https://example.com/roles'] });
  });

  it('never overwrites without --force', async () => {
    const first = await init(['--issuer', idp.issuer, ...ROUTES, '--skip-checks']);
    assert.equal(first.code, 0);
    const cwd = join(first.dir, '..');
    const again = await runInit(['--issuer', idp.issuer, ...ROUTES, '--skip-checks'], {
      stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), cwd, env: {}, isTTY: false,
    });
    assert.equal(again, 1);
  });

  it('is a command of the CLI', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/authz-sidecar.js'), 'init', '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Usage: authz-sidecar init/);
    assert.match(spawnSync(process.execPath, [join(ROOT, 'bin/authz-sidecar.js'), '--help'], { encoding: 'utf8' }).stdout, /init +set the sidecar up/);
  });
});
