import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../src/metrics/sidecar-metrics.ts';
import { parseExposition } from '../helpers/prom-text.ts';

describe('sidecar metrics', () => {
  it('records decisions by result and stage latencies in seconds', async () => {
    const m = createMetrics();
    m.recordDecision('allow', undefined, { verify: 100, claims: 2000, policy: 5, total: 2200 });
    m.recordDecision('deny', undefined, { verify: 100, claims: 0, policy: 5, total: 110 });
    m.recordDecision('error', 'claims_unavailable', { verify: 100, claims: 3_000_000, policy: 0, total: 3_000_200 });
    const x = parseExposition(await m.scrape());
    assert.equal(x.value('authz_decisions_total', { result: 'allow' }), 1);
    assert.equal(x.value('authz_decisions_total', { result: 'deny' }), 1);
    assert.equal(x.value('authz_decisions_total', { result: 'error' }), 1);
    assert.equal(x.value('authz_decision_errors_total', { code: 'claims_unavailable' }), 1);
    assert.equal(x.value('authz_decision_stage_duration_seconds_count', { stage: 'total' }), 3);
    assert.ok(Math.abs(x.value('authz_decision_stage_duration_seconds_sum', { stage: 'claims' })! - 3.002) < 1e-9);
    // 2 ms falls in the 2.5 ms bucket, 3 s only from the 5 s bucket on.
    assert.equal(x.value('authz_decision_stage_duration_seconds_bucket', { stage: 'claims', le: '0.0025' }), 2);
    assert.equal(x.value('authz_decision_stage_duration_seconds_bucket', { stage: 'claims', le: '2.5' }), 2);
    assert.equal(x.value('authz_decision_stage_duration_seconds_bucket', { stage: 'claims', le: '5' }), 3);
    assert.equal(x.types.get('authz_decision_stage_duration_seconds'), 'histogram');
  });

  it('keeps one bundle_info series: the revision in service', async () => {
    const m = createMetrics();
    m.recordBundleActivation('aaa', new Date(1_000_000));
    m.recordBundleActivation('bbb', new Date(2_000_000));
    const x = parseExposition(await m.scrape());
    assert.deepEqual(x.samples.filter((s) => s.name === 'authz_bundle_info').map((s) => s.labels['revision']), ['bbb']);
    assert.equal(x.value('authz_bundle_last_activation_timestamp_seconds'), 2000);
  });

  it('reports circuit state as one 1 among closed/open/half_open', async () => {
    const m = createMetrics();
    m.recordCircuitState('open');
    const x = parseExposition(await m.scrape());
    assert.equal(x.value('authz_userinfo_circuit_state', { state: 'open' }), 1);
    assert.equal(x.value('authz_userinfo_circuit_state', { state: 'closed' }), 0);
    assert.equal(x.value('authz_userinfo_circuit_state', { state: 'half_open' }), 0);
  });

  it('reads decision-log counts at scrape time and carries totals across a new log (reload)', async () => {
    const m = createMetrics();
    let first = { written: 5, buffered: 2, dropped: { 'queue/buffer_full': 1 } as Record<string, number> };
    m.trackDecisionLog(() => first);
    let x = parseExposition(await m.scrape());
    assert.equal(x.value('authz_decision_log_written_total'), 5);
    assert.equal(x.value('authz_decision_log_dropped_total', { sink: 'queue', reason: 'buffer_full' }), 1);
    assert.equal(x.value('authz_decision_log_buffered_events'), 2);
    first = { written: 7, buffered: 0, dropped: { 'queue/buffer_full': 1, 'file/write_error': 3 } };
    m.trackDecisionLog(() => ({ written: 4, buffered: 0, dropped: {} }));
    x = parseExposition(await m.scrape());
    assert.equal(x.value('authz_decision_log_written_total'), 11, '7 from the old log, 4 from the new one');
    assert.equal(x.value('authz_decision_log_dropped_total', { sink: 'file', reason: 'write_error' }), 3);
  });

  it('includes the event-loop lag percentiles from monitorEventLoopDelay and process metrics', async () => {
    const x = parseExposition(await createMetrics().scrape());
    for (const name of ['nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_cpu_seconds_total', 'process_resident_memory_bytes']) {
      assert.equal(typeof x.value(name), 'number', name);
    }
  });

  it('times GC pauses with a 20 ms bucket, so pauses over 20 ms can be counted (bench/src/lib/loop-delay.ts)', async () => {
    const m = createMetrics();
    // prom-client records a pause from a perf_hooks 'gc' entry: make young garbage until a scavenge is reported.
    let garbage: unknown[] = [];
    let x = parseExposition(await m.scrape());
    for (let i = 0; i < 500 && x.value('nodejs_gc_duration_seconds_count', { kind: 'minor' }) === undefined; i++) {
      garbage = Array.from({ length: 20_000 }, (_, k) => ({ k }));
      await new Promise((r) => setTimeout(r, 1));
      x = parseExposition(await m.scrape());
    }
    assert.ok(garbage.length > 0);
    const count = x.value('nodejs_gc_duration_seconds_count', { kind: 'minor' });
    assert.ok(count !== undefined && count > 0, 'a scavenge was recorded');
    for (const le of ['0.005', '0.01', '0.02', '0.05']) {
      assert.equal(typeof x.value('nodejs_gc_duration_seconds_bucket', { kind: 'minor', le }), 'number', `bucket le=${le}`);
    }
  });
});
