import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createDecisionTracer } from '../../src/tracing/decision-tracer.ts';
import { parseTraceparent } from '../../src/tracing/traceparent.ts';
import type { DecisionEventDraft as DecisionEvent } from '../../src/decision-log/decision-event.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { startTestSidecar } from '../helpers/test-sidecar.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT}-01`;
const toMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

// A real SDK, registered globally as an operator's --import setup would: the sidecar itself loads none.
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

describe('traceparent', () => {
  it('parses version 00 and refuses malformed, all-zero and version ff headers', () => {
    assert.deepEqual(parseTraceparent(TRACEPARENT), { traceId: TRACE_ID, spanId: PARENT, flags: 1 });
    for (const bad of [undefined, '', 'x', `ff-${TRACE_ID}-${PARENT}-01`, `00-${'0'.repeat(32)}-${PARENT}-01`, `00-${TRACE_ID}-${'0'.repeat(16)}-01`, `00-${TRACE_ID.toUpperCase()}-${PARENT}-01`]) {
      assert.equal(parseTraceparent(bad), undefined, String(bad));
    }
  });
});

describe('decision spans', () => {
  it('records authz.decision parented to the caller, with verify/claims/policy children timed inside it', () => {
    exporter.reset();
    const event: DecisionEvent = {
      decision_id: 'd-1', timestamp: new Date().toISOString(), path: 'authz/decision', metrics: {},
      subject: { sub: 'alice', iss: 'https://idp' }, request: { method: 'GET', path: '/api/orders/1' },
      result: { allow: false }, bundles: { authz: { revision: 'r1' } }, timings_us: { verify: 300, claims: 2000, policy: 50, total: 2400 },
      claims: { source: 'userinfo', cache: 'miss' }, error: { code: 'policy_error', message: 'x' },
    };
    createDecisionTracer().record(event, TRACEPARENT);
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'authz.decision')!;
    assert.equal(root.spanContext().traceId, TRACE_ID);
    assert.equal(root.parentSpanContext?.spanId, PARENT);
    assert.equal(root.attributes['authz.decision_id'], 'd-1');
    assert.equal(root.attributes['authz.error.code'], 'policy_error');
    assert.equal(root.status.code, 2, 'ERROR');
    assert.equal(Object.values(root.attributes).includes('alice'), false, 'no subject in spans');
    assert.ok(Math.abs(toMs(root.duration) - 2.4) < 0.01);
    const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
    assert.deepEqual(children.map((s) => s.name), ['authz.verify', 'authz.claims', 'authz.policy']);
    for (const c of children) {
      assert.ok(toMs(c.startTime) >= toMs(root.startTime) - 0.001 && toMs(c.endTime) <= toMs(root.endTime) + 0.001, c.name);
    }
    assert.ok(Math.abs(toMs(children[1]!.duration) - 2) < 0.01);
  });
});

describe('tracing in a running sidecar', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(() => idp.stop());

  it('emits spans per decision when tracing.enabled, joined to the incoming traceparent', async () => {
    const sc = await startTestSidecar(idp.issuer, { 'tracing.enabled': true });
    try {
      exporter.reset();
      const res = await sc.authorize(await idp.token('bob'), { method: 'GET', path: '/api/orders/1' }, { traceparent: TRACEPARENT });
      assert.equal(res.body.allow, true);
      const root = exporter.getFinishedSpans().find((s) => s.name === 'authz.decision')!;
      assert.equal(root.spanContext().traceId, TRACE_ID);
      assert.equal(root.attributes['authz.decision_id'], res.body.decision_id);
      assert.equal(root.attributes['authz.allow'], true);
    } finally {
      await sc.stop();
    }
  });

  it('emits nothing when tracing is off, even with a provider registered', async () => {
    const sc = await startTestSidecar(idp.issuer);
    try {
      exporter.reset();
      await sc.authorize(await idp.token('bob'), { method: 'GET', path: '/api/orders/1' }, { traceparent: TRACEPARENT });
      assert.equal(exporter.getFinishedSpans().length, 0);
    } finally {
      await sc.stop();
    }
  });
});
