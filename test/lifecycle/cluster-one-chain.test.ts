import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { spawnSidecar } from '../helpers/spawn-sidecar.ts';
import { requestOnce } from '../helpers/raw-http.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';

const REQUESTS = 300;

/** One POST /authorize on a fresh connection, so the cluster spreads them over its workers. */
async function authorizeOnce(url: string, token: string): Promise<string> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' };
  const r = await requestOnce(url, 'POST', '/authorize', headers, JSON.stringify({ method: 'GET', path: '/api/orders/1' }));
  assert.equal(r.status, 200);
  return (JSON.parse(r.body) as { decision_id: string }).decision_id;
}

function verify(files: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/authz-sidecar.js'), 'audit', 'verify', ...files], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

// Regression (found by npm run chaos, docs/chaos.md): with `workers: 2` and a file target, each worker
// read the chain head at start and numbered its own records from it, so the file held two interleaved
// chains (duplicate seq numbers, broken links) and each worker rotated the file under the other.
// Now the primary owns the file and the workers relay their records to it (src/lifecycle/).
describe('regression: two workers writing one decision log file broke its hash chain', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(() => idp.stop());

  it('keeps one hash chain across workers, rotations, a SIGHUP that changes decisionLog.*, and a restart', async () => {
    const dir = tempDir();
    const target = join(dir, 'decisions.log');
    const configFile = join(dir, 'sidecar.json');
    const config = (maxBytes: number): string =>
      JSON.stringify({ issuer: idp.issuer, audience: [DEMO_AUDIENCE], 'policy.bundle': SAMPLE_BUNDLE, listen: '127.0.0.1:0', workers: 2, decisionLog: { target, file: { maxBytes } } });
    writeFileSync(configFile, config(40_000));
    const token = await idp.token('bob');
    const ids: string[] = [];
    for (const round of [0, 1]) {
      const sc = await spawnSidecar(['--config', configFile], {});
      try {
        await sc.waitForLog(() => sc.logs().filter((l) => l['msg'] === 'listening').length === 2);
        await sc.waitReady();
        // Concurrent, on fresh connections: both workers write at the same time.
        ids.push(...(await Promise.all(Array.from({ length: REQUESTS / 2 }, () => authorizeOnce(sc.url, token)))));
        if (round === 0) {
          writeFileSync(configFile, config(50_000));
          sc.child.kill('SIGHUP');
          await sc.waitForLog((l) => l['msg'] === 'configuration reloaded');
        }
        ids.push(...(await Promise.all(Array.from({ length: REQUESTS / 2 }, () => authorizeOnce(sc.url, token)))));
        sc.child.kill('SIGTERM');
        assert.equal(await sc.exited, 0);
        const stopped = sc.logs().filter((l) => l['msg'] === 'stopped');
        assert.equal(stopped.length, 2);
        assert.ok(stopped.every((l) => (l['decisions'] as number) > 0), 'both workers decided some');
      } finally {
        sc.kill();
      }
    }
    const files = readdirSync(dir).filter((f) => /^decisions\.log(\.\d+)?$/.test(f)).map((f) => join(dir, f));
    assert.ok(files.length > 2, `the log rotated (files: ${files.length})`);
    const v = verify(files);
    assert.equal(v.status, 0, `audit verify accepts the chain:\n${v.out}`);
    const recorded = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { decision_id: string }).decision_id));
    assert.equal(recorded.length, ids.length, 'one record per decision');
    assert.deepEqual(new Set(recorded), new Set(ids), 'every answered decision is recorded');
  });
});
