import type { SidecarError } from '../errors/sidecar-error.ts';
import type { Enriched } from '../claims/enrich-claims.ts';
import type { DecisionLogger } from '../decision-log/decision-logger.ts';
import type { DecisionEventDraft } from '../decision-log/decision-event.ts';
import { maskPolicyOf } from '../decision-log/mask-policy.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';
import type { VerifiedToken } from '../token/verify-token.ts';

export interface RecordDeps {
  readonly log: Pick<DecisionLogger, 'log'>;
  /** The bundle's name in the log's `bundles` field (OPA's); default `authz`. */
  readonly bundleName?: string;
  /** Sees every logged decision after it is queued (metrics, tracing); must be cheap and must not throw. */
  readonly observe?: (event: DecisionEventDraft, traceparent: string | string[] | undefined) => void;
}

export interface DecisionContext {
  readonly decisionId: string;
  /** OPA's `path`: the entrypoint evaluated, or `data/<path>` for the Data API. */
  readonly path: string;
  readonly request: { readonly method: string; readonly path: string } | null;
  readonly traceId?: string | undefined;
  readonly traceparent?: string | string[] | undefined;
  /** The caller's request identifier (AuthZEN's `X-Request-ID`), shared by every decision of that request. */
  readonly requestId?: string | undefined;
}

/**
 * One decision's stages, timed and logged once. The pipeline marks each stage as it completes;
 * `finish` writes the event (allow, deny or error) with whatever was reached. Shared by
 * /authorize and the Data API so both log the same DecisionEventV1 with the same timings.
 */
export interface DecisionRecord {
  engine(e: PolicyEngine): void;
  verified(v: VerifiedToken): void;
  enriched(e: Enriched): void;
  input(i: unknown): void;
  evaluated(): void;
  finish(result: DecisionEventDraft['result'], error?: SidecarError): void;
}

const us = (from: number, to: number): number => Math.round((to - from) * 1000);

export function startDecision(deps: RecordDeps, ctx: DecisionContext): DecisionRecord {
  const t0 = performance.now();
  let t1: number | undefined;
  let t2: number | undefined;
  let t3: number | undefined;
  let engine: PolicyEngine | undefined;
  let verified: VerifiedToken | undefined;
  let enriched: Enriched | undefined;
  let input: unknown;
  return {
    engine: (e) => void (engine = e),
    verified: (v) => {
      verified = v;
      t1 = performance.now();
    },
    enriched: (e) => {
      enriched = e;
      t2 = performance.now();
    },
    input: (i) => void (input = i),
    evaluated: () => void (t3 = performance.now()),
    finish(result, error) {
      const end = performance.now();
      // A stage not reached ends where the last one reached did (or now, for the failing one).
      const v = t1 ?? end;
      const c = t2 ?? (t1 === undefined ? v : end);
      const p = t3 ?? (t2 === undefined ? c : end);
      const event: DecisionEventDraft = {
        decision_id: ctx.decisionId,
        bundles: engine ? { [deps.bundleName ?? 'authz']: { revision: engine.revision } } : {},
        path: ctx.path,
        ...(input !== undefined ? { input } : {}),
        result,
        timestamp: new Date().toISOString(),
        metrics: { timer_rego_query_eval_ns: us(c, p) * 1000, timer_server_handler_ns: us(t0, end) * 1000 },
        subject: verified ? subjectOf(verified, enriched) : null,
        request: ctx.request,
        claims: {
          source: enriched?.source ?? null,
          cache: enriched?.cache ?? null,
          ...(enriched?.staleReason ? { stale_reason: enriched.staleReason } : {}),
        },
        timings_us: { verify: us(t0, v), claims: us(v, c), policy: us(c, p), total: us(t0, end) },
        ...(engine?.relevantRolesSource && enriched
          ? { roles_filter: { from: engine.relevantRolesSource.from, kind: engine.relevantRolesSource.kind, held: enriched.held ?? enriched.subject.roles.length } }
          : {}),
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
        ...(ctx.traceId ? { trace_id: ctx.traceId } : {}),
        ...(ctx.requestId !== undefined ? { request_id: ctx.requestId } : {}),
      };
      deps.log.log(event, engine ? maskPolicyOf(engine) : undefined);
      try {
        deps.observe?.(event, ctx.traceparent);
      } catch {
        // Observers are metrics and tracing: their failure must not change a decision.
      }
    },
  };
}

/** The logged subject: who the token names and, once enriched, whether a user or a service (src/claims/enrich-claims.ts). */
function subjectOf(verified: VerifiedToken, enriched: Enriched | undefined): NonNullable<DecisionEventDraft['subject']> {
  const kind = enriched?.subject.kind;
  const client = enriched?.subject['client_id'];
  return {
    sub: verified.payload.sub,
    iss: verified.payload.iss,
    ...(kind ? { kind } : {}),
    ...(kind === 'service' && typeof client === 'string' ? { client_id: client } : {}),
  };
}
