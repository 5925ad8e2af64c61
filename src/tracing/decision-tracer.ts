import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { DecisionEventDraft } from '../decision-log/decision-event.ts';
import { parseTraceparent } from './traceparent.ts';

export interface DecisionTracer {
  /**
   * Records one finished decision as a span `authz.decision` with children `authz.verify`,
   * `authz.claims` and `authz.policy`, timed from the decision's own measurements and parented
   * to the caller's `traceparent` when there is one.
   */
  record(event: DecisionEventDraft, traceparent: string | string[] | undefined): void;
}

/**
 * Spans through @opentelemetry/api only: the sidecar loads no SDK. They go wherever the process
 * registered a tracer provider (for example `node --import ./otel-setup.mjs`), and are no-ops
 * otherwise. Spans are built after the decision from its timings, so the request path does no
 * tracing work and needs no async context propagation; the subject is not recorded (traces
 * often leave the trust boundary that decision logs stay in).
 *
 * @example
 * const tracer = createDecisionTracer();
 * tracer.record(event, req.headers.traceparent);
 */
export function createDecisionTracer(tracer: Tracer = trace.getTracer('authz-sidecar')): DecisionTracer {
  return {
    record(event, traceparent) {
      const end = performance.timeOrigin + performance.now();
      const t = event.timings_us;
      const start = end - t.total / 1000;
      const parent = parseTraceparent(traceparent);
      const ctx = parent
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.flags & 1, isRemote: true })
        : ROOT_CONTEXT;
      const attributes: Attributes = {
        'authz.decision_id': event.decision_id,
        'authz.allow': event.result.allow,
        'authz.request.method': event.request?.method ?? '',
        'authz.request.path': event.request?.path ?? '',
        'authz.bundle.revision': Object.values(event.bundles)[0]?.revision ?? '',
      };
      if (event.claims.source) attributes['authz.claims.source'] = event.claims.source;
      if (event.claims.cache) attributes['authz.claims.cache'] = event.claims.cache;
      if (event.error) attributes['authz.error.code'] = event.error.code;
      const root = tracer.startSpan('authz.decision', { kind: SpanKind.SERVER, startTime: start, attributes }, ctx);
      if (event.error) root.setStatus({ code: SpanStatusCode.ERROR, message: event.error.code });
      const child = trace.setSpan(ctx, root);
      let at = start;
      for (const stage of ['verify', 'claims', 'policy'] as const) {
        const ms = t[stage] / 1000;
        if (ms > 0) tracer.startSpan(`authz.${stage}`, { kind: SpanKind.INTERNAL, startTime: at }, child).end(at + ms);
        at += ms;
      }
      root.end(end);
    },
  };
}
