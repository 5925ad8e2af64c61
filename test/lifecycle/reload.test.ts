import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundle, FIXTURE_POLICIES, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { spawnSidecar } from '../helpers/spawn-sidecar.ts';
import { parseExposition } from '../helpers/prom-text.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { planReload } from '../../src/runtime/plan-reload.ts';

describe('reload plan', () => {
  const base = { issuer: 'https://idp.example.com' };
  it('allows per-request keys and refuses socket, issuer and client keys', () => {
    const a = loadConfig({ env: {}, base });
    const ok = planReload(a, loadConfig({ env: {}, base: { ...base, 'policy.bundle': '/x.tar.gz', 'log.level': 'debug', audience: ['a'] } }));
    assert.deepEqual([...ok.changed].sort(), ['audience', 'log.level', 'policy.bundle']);
    assert.deepEqual(ok.needRestart, []);
    const bad = planReload(a, loadConfig({ env: {}, base: { ...base, listen: '127.0.0.1:9', 'claims.userinfo.connections': 2, workers: 2 } }));
    assert.deepEqual([...bad.needRestart].sort(), ['claims.userinfo.connections', 'listen', 'workers']);
  });
});

describe('SIGHUP reload of the real CLI', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(() => idp.stop());

  it('keeps the running config when the new one is invalid, needs a restart or does not load, and applies a good one', async () => {
    const dir = tempDir();
    const bundle = join(dir, 'authz.tar.gz');
    copyFileSync(SAMPLE_BUNDLE, bundle);
    const denyAll = buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(dir, 'deny-all.tar.gz'));
    const config = join(dir, 'authz.yaml');
    const write = (extra: string, listen = '127.0.0.1:0') =>
      writeFileSync(config, `issuer: ${idp.issuer}\naudience: [${DEMO_AUDIENCE}]\nlisten: ${listen}\ndecisionLog:\n  target: ${join(dir, 'd.log')}\n${extra}`);
    write(`policy:\n  bundle: ${bundle}\n`);
    const sc = await spawnSidecar(['--config', config], {});
    try {
      await sc.waitReady();
      const bob = await idp.token('bob');
      const allowed = async () => {
        const res = await fetch(`${sc.url}/authorize`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' },
          body: JSON.stringify({ method: 'GET', path: '/api/orders/1' }),
        });
        return ((await res.json()) as { allow?: boolean }).allow;
      };
      const reloads = async () => {
        const x = parseExposition(await (await fetch(`${sc.url}/metrics`)).text());
        return { ok: x.value('authz_config_reloads_total', { result: 'success' }) ?? 0, failed: x.value('authz_config_reloads_total', { result: 'failure' }) ?? 0, x };
      };
      const outcomes = () => sc.logs().filter((l) => /^configuration reload(ed| refused)/.test(l['msg'] ?? '')).length;
      /** Sends SIGHUP and waits for its outcome line; returns it. */
      const hup = async () => {
        const before = outcomes();
        sc.child.kill('SIGHUP');
        await sc.waitForLog(() => outcomes() > before);
        return sc.logs().filter((l) => /^configuration reload(ed| refused)/.test(l['msg'] ?? '')).at(-1)!;
      };
      assert.equal(await allowed(), true);

      writeFileSync(config, `issuer: ${idp.issuer}\nclaims:\n  cacheTtlSeconds: forever\n`);
      assert.match((await hup())['detail'], /config key 'claims\.cacheTtlSeconds': expected an integer/);
      assert.equal(await allowed(), true, 'an invalid file changes nothing');

      write(`policy:\n  bundle: ${denyAll}\n`, '127.0.0.1:1');
      assert.match((await hup())['detail'], /only with a restart: listen$/);
      assert.equal(await allowed(), true, 'a key that needs a restart refuses the whole reload');

      write(`policy:\n  bundle: ${join(dir, 'missing.tar.gz')}\n`);
      assert.match((await hup())['detail'], /the new policy bundle does not load/);
      assert.equal(await allowed(), true, 'a bundle that does not load keeps the old one');

      write(`policy:\n  bundle: ${denyAll}\nlog:\n  level: debug\n`);
      assert.equal((await hup())['msg'], 'configuration reloaded');
      assert.equal(await allowed(), false, 'the new bundle decides');
      const m = await reloads();
      assert.deepEqual([m.ok, m.failed], [1, 3]);
      assert.equal(m.x.samples.filter((s) => s.name === 'authz_bundle_info').length, 1);
      assert.deepEqual(sc.logs().find((l) => l['msg'] === 'configuration reloaded')!['changed'], ['policy.bundle', 'log.level']);

      sc.child.kill('SIGTERM');
      assert.equal(await sc.exited, 0);
    } finally {
      sc.kill();
    }
  });
});
