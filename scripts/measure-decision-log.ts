// Measures what the decision log costs, for docs/decision-log.md:
//   node scripts/measure-decision-log.ts
// For a small input (3 roles) and a large one (5,000 roles, the demo's carol): the time log()
// takes on the request path, the time the logger spends off it (masking, serialising, hashing,
// writing) per event, the record size, and audit verify's time per record.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecisionLogger } from '../src/decision-log/decision-logger.ts';
import { verifyLog } from '../src/decision-log/audit/verify-log.ts';
import type { DecisionEventDraft } from '../src/decision-log/decision-event.ts';
import { DEMO_USERS } from '../src/demo/demo-users.ts';

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
  const log = createDecisionLogger({ target: file, bufferEvents: 1_000_000, masking: { erase: ['/input/request/query/access_token'], mask: [], eraseTokens: true } });
  await log.open();
  const events = Array.from({ length: n }, (_, i) => draft(i, roles));
  const t0 = performance.now();
  for (const e of events) log.log(e);
  const t1 = performance.now();
  await log.close();
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
rmSync(dir, { recursive: true, force: true });
