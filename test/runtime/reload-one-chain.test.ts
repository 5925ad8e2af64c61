import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { verifyLog } from '../../src/audit/verify-log.ts';
import { silentLog } from '../../src/lib/process-log.ts';
import { createRuntime } from '../../src/runtime/runtime.ts';
import { loadSettings } from '../../src/runtime/settings.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';
import { SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';

// Regression (found while building npm run chaos, docs/chaos.md): a SIGHUP that changes a decisionLog.*
// key builds a new decision logger for the same file. It read the chain head when it opened, while the
// old one was still writing the decisions made until the swap, then numbered its records from that
// stale head: the file held two records per seq number and `audit verify` rejected it.
describe('regression: a reload of decisionLog.* under load forked the hash chain', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(() => idp.stop());

  it('keeps one chain when the decision log is reloaded while decisions are being written', async () => {
    const dir = tempDir();
    const target = join(dir, 'decisions.log');
    const base = (maxBytes: number) => ({
      issuer: idp.issuer,
      audience: [DEMO_AUDIENCE],
      listen: '127.0.0.1:0',
      'policy.bundle': SAMPLE_BUNDLE,
      'decisionLog.target': target,
      'decisionLog.file.maxBytes': maxBytes,
    });
    const runtime = createRuntime(loadSettings({ env: {}, base: base(200_000) }), silentLog);
    const { url } = await runtime.start();
    await runtime.whenReady();
    const token = await idp.token('bob');
    let stop = false;
    let answered = 0;
    const client = async (): Promise<void> => {
      while (!stop) {
        const res = await fetch(`${url}/authorize`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ method: 'GET', path: '/api/orders/1' }),
        });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        answered++;
      }
    };
    const clients = Array.from({ length: 16 }, client);
    try {
      for (let i = 1; i <= 6; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const outcome = await runtime.reload(loadSettings({ env: {}, base: base(200_000 + i) }));
        assert.equal(outcome.ok, true);
      }
    } finally {
      stop = true;
      await Promise.all(clients);
      await runtime.stop();
    }
    const files = readdirSync(dir).filter((f) => /^decisions\.log(\.\d+)?$/.test(f)).map((f) => join(dir, f));
    const report = await verifyLog(files);
    assert.deepEqual(report.problems.slice(0, 3), [], 'audit verify finds no problem');
    assert.equal(report.records, answered, 'one record per decision');
  });
});
