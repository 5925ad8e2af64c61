import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { startTestIdp } from '../helpers/test-idp.ts';
import { spawnSidecar, type SpawnedSidecar } from '../helpers/spawn-sidecar.ts';

const BIN = join(ROOT, 'bin/authz-sidecar.js');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 20_000 });

describe('authz-sidecar CLI', () => {
  it('documents each command with --help', () => {
    for (const args of [['--help'], ['serve', '--help'], ['demo', '--help'], ['demo', 'token', '--help']]) {
      const r = run(args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /Usage: authz-sidecar/);
    }
    assert.match(run(['serve', '--help']).stdout, /AUTHZ_ISSUER/);
  });

  it('exits 2 naming the key when the configuration is invalid', () => {
    const r = run(['serve'], { AUTHZ_ISSUER: 'http://idp.example.com' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /config key 'issuer \(from AUTHZ_ISSUER\)': must use https/);

    const file = join(tempDir(), 'bad.yaml');
    writeFileSync(file, 'issuer: https://idp.example.com\nclaims:\n  cacheTtlSeconds: forever\n');
    const r2 = run(['serve', '--config', file]);
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /config key 'claims\.cacheTtlSeconds': expected an integer/);

    const r3 = run(['serve']);
    assert.equal(r3.status, 2);
    assert.match(r3.stderr, /config key 'issuer': is required/);
  });

  it('rejects an unknown command with the usage', () => {
    const r = run(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });

  it('serve binds the configured loopback address, answers, and exits 0 on SIGTERM after flushing the log', async () => {
    const idp = await startTestIdp();
    const log = join(tempDir(), 'decisions.log');
    let sc: SpawnedSidecar | undefined;
    try {
      sc = await spawnSidecar([], { AUTHZ_ISSUER: idp.issuer, AUTHZ_BUNDLE: SAMPLE_BUNDLE, AUTHZ_LISTEN: '127.0.0.1:0', AUTHZ_DECISION_LOG: log });
      await sc.waitReady();
      const res = await fetch(`${sc.url}/authorize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await idp.token('bob')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'GET', path: '/api/orders/1' }),
      });
      assert.equal(((await res.json()) as any).allow, true);
      sc.child.kill('SIGTERM');
      const code = await sc.exited;
      assert.equal(code, 0);
      const { readFileSync } = await import('node:fs');
      assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 1);
      assert.doesNotMatch(sc.stderr(), /eyJ/, 'no token in the process log');
    } finally {
      sc?.kill();
      await idp.stop();
    }
  });
});
