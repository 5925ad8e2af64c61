import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_BUNDLE } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { spawnSidecar } from '../helpers/spawn-sidecar.ts';
import { parseExposition } from '../helpers/prom-text.ts';
import { requestOnce } from '../helpers/raw-http.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';

const REQUESTS = 40;

/** One POST /authorize on a fresh connection, so the cluster spreads them over its workers. */
async function authorizeOnce(url: string, token: string): Promise<{ status: number; body: any }> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close' };
  const r = await requestOnce(url, 'POST', '/authorize', headers, JSON.stringify({ method: 'GET', path: '/api/orders/1' }));
  return { status: r.status, body: JSON.parse(r.body) };
}

describe('cluster mode (workers: 2) of the real CLI', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(() => idp.stop());

  it('serves from both workers, sums their metrics, relays whole decision-log lines, and stops cleanly', async () => {
    const sc = await spawnSidecar([], {
      AUTHZ_ISSUER: idp.issuer,
      AUTHZ_AUDIENCE: DEMO_AUDIENCE,
      AUTHZ_BUNDLE: SAMPLE_BUNDLE,
      AUTHZ_LISTEN: '127.0.0.1:0',
      AUTHZ_DIAGNOSTICS_LISTEN: '127.0.0.1:0',
      AUTHZ_DECISION_LOG: 'stdout',
      AUTHZ_WORKERS: '2',
    });
    try {
      const diag = (await sc.waitForLog((l) => l['msg'] === 'diagnostics listening'))['url'] as string;
      await sc.waitForLog(() => sc.logs().filter((l) => l['msg'] === 'listening').length === 2);
      const deadline = Date.now() + 15_000;
      while ((await fetch(`${diag}/ready`)).status !== 200) {
        assert.ok(Date.now() < deadline, 'the cluster became ready');
        await new Promise((r) => setTimeout(r, 50));
      }
      const token = await idp.token('bob');
      const answers = await Promise.all(Array.from({ length: REQUESTS }, () => authorizeOnce(sc.url, token)));
      assert.ok(answers.every((a) => a.status === 200 && a.body.allow === true));

      for (const url of [`${sc.url}/metrics`, `${diag}/metrics`]) {
        const x = parseExposition(await (await fetch(url)).text());
        assert.equal(x.value('authz_decisions_total', { result: 'allow' }), REQUESTS, url);
        const info = x.samples.filter((s) => s.name === 'authz_bundle_info');
        assert.equal(info.length, 1);
        assert.equal(info[0]!.value, 2, 'both workers serve the bundle');
        assert.ok(x.value('authz_userinfo_requests_total')! >= 1);
      }

      sc.child.kill('SIGTERM');
      assert.equal(await sc.exited, 0);
      const stopped = sc.logs().filter((l) => l['msg'] === 'stopped');
      assert.equal(stopped.length, 2);
      assert.equal(stopped.reduce((n, l) => n + (l['decisions_logged'] as number), 0), REQUESTS);
      assert.ok(stopped.every((l) => l['decisions_logged'] > 0), 'each worker decided some');
      const lines = sc.stdout().trimEnd().split('\n');
      assert.equal(lines.length, REQUESTS);
      const ids = new Set(lines.map((l) => (JSON.parse(l) as { decision_id: string }).decision_id));
      for (const a of answers) assert.ok(ids.has(a.body.decision_id));
      const broken = sc.logs().filter((l) => 'raw' in l && !String(l['raw']).startsWith('authz-sidecar: '));
      assert.deepEqual(broken, [], 'every process log line is whole JSON');
      assert.ok(sc.logs().some((l) => l['msg'] === 'cluster stopped' && l['clean'] === true));
      assert.equal(sc.logs().filter((l) => l['msg'] === 'diagnostics listening').length, 1, 'only the primary serves diagnostics');
    } finally {
      sc.kill();
    }
  });
});
