// Measures what the decision log costs, for docs/decision-log.md:
//   node scripts/measure-decision-log.ts
// For a small input (3 roles) and a large one (5,000 roles, the demo's carol): the time log()
// takes on the request path, the time the logger spends off it (masking, serialising, hashing,
// writing) per event, the record size, and audit verify's time per record. Then the whole
// sidecar (demo IdP on loopback, 16 concurrent clients in this process, GET /api/orders/1 as
// alice and bob) with the decision log off (`none`) and on (a file), three runs each.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecisionLogger } from '../src/decision-log/decision-logger.ts';
import { verifyLog } from '../src/audit/verify-log.ts';
import type { DecisionEventDraft } from '../src/decision-log/decision-event.ts';
import { DEMO_AUDIENCE, DEMO_USERS } from '../src/demo/demo-users.ts';
import { startDemoIdp } from '../src/demo/demo-idp.ts';
import { requestDemoToken } from '../src/demo/request-token.ts';
import { loadSettings } from '../src/runtime/settings.ts';
import { createRuntime } from '../src/runtime/runtime.ts';
import { compileMasks } from '../src/decision-log/mask-event.ts';
import { silentLog } from '../src/lib/process-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'authz-measure-'));
const cases: [string, readonly string[], number][] = [
  ['3 roles', ['orders-viewer', 'api-0001-reader', 'api-0002-reader'], 20_000],
  ['5,000 roles', DEMO_USERS['carol']!.roles, 500],
];

const draft = (i: number, roles: readonly string[]): DecisionEventDraft => ({
  decision_id: `d-${i}`,
  bundles: { authz: { revision: '05fe476b60d6' } },
  path: 'authz/decision',
  input: {
    subject: { sub: 'carol', iss: 'https://idp.example', aud: 'orders', scope: 'openid', exp: 1795000000, iat: 1794996400, roles },
    request: { method: 'GET', path: '/api/orders/1', segments: ['api', 'orders', '1'], query: {} },
  },
  result: { allow: true, reasons: ['role orders-viewer (direct) allows GET /api/orders/**'] },
  timestamp: new Date().toISOString(),
  metrics: { timer_rego_query_eval_ns: 4000, timer_server_handler_ns: 250000 },
  subject: { sub: 'carol', iss: 'https://idp.example' },
  request: { method: 'GET', path: '/api/orders/1' },
  claims: { source: 'userinfo', cache: 'hit' },
  timings_us: { verify: 120, claims: 2, policy: 4, total: 250 },
});

for (const [name, roles, n] of cases) {
  const file = join(dir, 'decisions.log');
  rmSync(file, { force: true });
  const log = createDecisionLogger({ target: file, bufferEvents: 1_000_000, masking: compileMasks({ erase: ['/input/request/query/access_token'], mask: [], eraseTokens: true }) });
  await log.start();
  const events = Array.from({ length: n }, (_, i) => draft(i, roles));
  const t0 = performance.now();
  for (const e of events) log.log(e);
  const t1 = performance.now();
  await log.stop();
  const t2 = performance.now();
  const v0 = performance.now();
  const report = await verifyLog([file]);
  const v1 = performance.now();
  if (!report.ok || log.stats.written !== n) throw new Error('the measurement run itself lost or broke records');
  const us = (ms: number): string => ((ms / n) * 1000).toFixed(1);
  console.log(
    `${name}: log() ${us(t1 - t0)} µs on the request path; off it ${us(t2 - t1)} µs/event (mask, serialise, hash, write); ` +
      `${(statSync(file).size / n / 1024).toFixed(1)} KiB/record; audit verify ${us(v1 - v0)} µs/record`,
  );
}

const idp = await startDemoIdp({ port: 0 });
const tokens = [await requestDemoToken(idp.issuer, 'alice'), await requestDemoToken(idp.issuer, 'bob')];
const throughput = async (target: string): Promise<number> => {
  const settings = loadSettings({ env: {}, base: { issuer: idp.issuer, audience: [DEMO_AUDIENCE], listen: '127.0.0.1:0', 'decisionLog.target': target } });
  const sidecar = createRuntime(settings, silentLog);
  const { url } = await sidecar.start();
  await sidecar.whenReady();
  const total = 3000;
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (sent < total) {
        const i = sent++;
        const res = await fetch(`${url}/authorize`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[i % 2]}`, 'content-type': 'application/json' },
          body: '{"method":"GET","path":"/api/orders/1"}',
        });
        await res.text();
      }
    }),
  );
  const rate = total / ((performance.now() - t0) / 1000);
  await sidecar.stop();
  return rate;
};
for (let run = 1; run <= 3; run++) {
  const off = await throughput('none');
  const on = await throughput(join(dir, `sidecar-${run}.log`));
  const change = (on / off - 1) * 100;
  console.log(`sidecar run ${run}: ${off.toFixed(0)} req/s with the decision log off, ${on.toFixed(0)} req/s with the file sink (${change >= 0 ? '+' : ''}${change.toFixed(1)}%)`);
}
await idp.stop();
rmSync(dir, { recursive: true, force: true });
