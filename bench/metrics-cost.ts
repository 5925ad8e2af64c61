// What metrics and tracing add to one decision, measured on the recording calls themselves
// (the authorize pipeline calls exactly these once per decision). Run: node bench/metrics-cost.ts
import { createMetrics } from '../src/metrics/sidecar-metrics.ts';
import { createDecisionTracer } from '../src/tracing/decision-tracer.ts';
import type { DecisionEventDraft as DecisionEvent } from '../src/decision-log/decision-event.ts';

const N = 500_000;
const event: DecisionEvent = {
  decision_id: '0f6c', timestamp: new Date().toISOString(), path: 'authz/decision', metrics: {},
  subject: { sub: 'carol', iss: 'https://idp' }, request: { method: 'GET', path: '/api/orders/1' },
  result: { allow: true }, bundles: { authz: { revision: 'r' } }, timings_us: { verify: 120, claims: 4, policy: 6, total: 140 },
  claims: { source: 'userinfo', cache: 'hit' },
};

function time(name: string, fn: () => void): void {
  for (let i = 0; i < 50_000; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn();
  const ns = ((performance.now() - t0) * 1e6) / N;
  console.log(`${name.padEnd(58)} ${ns.toFixed(0).padStart(5)} ns/decision`);
}

const metrics = createMetrics();
time('metrics: recordDecision + recordClaimsCache', () => {
  metrics.recordDecision('allow', undefined, event.timings_us);
  metrics.recordClaimsCache('hit');
});
const noTracer: ReturnType<typeof createDecisionTracer> | undefined = undefined;
time('tracing off (tracing.enabled: false)', () => {
  (noTracer as ReturnType<typeof createDecisionTracer> | undefined)?.record(event, undefined);
});
const tracer = createDecisionTracer();
time('tracing on, no SDK registered (no-op spans)', () => tracer.record(event, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'));
