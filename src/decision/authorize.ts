import { randomUUID } from 'node:crypto';
import { SidecarError, toSidecarError } from '../errors/sidecar-error.ts';
import type { ClaimsEnricher, Enriched } from '../claims/enrich-claims.ts';
import type { DecisionLogger } from '../decision-log/decision-logger.ts';
import type { DecisionEventDraft } from '../decision-log/decision-event.ts';
import { maskPolicyOf } from '../decision-log/mask-policy.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';
import type { TokenVerifier, VerifiedToken } from '../token/verify-token.ts';
import { extractBearer } from '../token/extract-bearer.ts';
import { buildInput, type InputExtras, type PolicyInput } from './build-input.ts';
import type { NormalizedRequest } from './normalize-request.ts';

export interface AuthorizeRequest extends InputExtras {
  readonly authorization: string | undefined;
  readonly request: NormalizedRequest;
  readonly traceId?: string | undefined;
}

export interface Decision {
  readonly decisionId: string;
  readonly allow: boolean;
  readonly reasons: readonly string[] | undefined;
  readonly revision: string;
  readonly input: PolicyInput;
}

export interface AuthorizerDeps {
  readonly verify: TokenVerifier;
  readonly enrich: ClaimsEnricher;
  readonly engine: () => PolicyEngine | undefined;
  readonly log: DecisionLogger;
  /** The bundle's name in the log's `bundles` field (OPA's); default `authz`. */
  readonly bundleName?: string;
  /** The entrypoint evaluated, logged as OPA's `path`; default `authz/decision`. */
  readonly decisionPath?: string;
}

export type Authorizer = (req: AuthorizeRequest) => Promise<Decision>;

const us = (from: number, to: number): number => Math.round((to - from) * 1000);

/**
 * The request path: token → claims → policy. Every outcome, allow, deny or error, is logged
 * once; errors are rethrown as SidecarError for the HTTP layer. Nothing here allows on error:
 * `allow` is true only when the policy returned exactly true.
 */
export function createAuthorizer(deps: AuthorizerDeps): Authorizer {
  const bundleName = deps.bundleName ?? 'authz';
  const decisionPath = deps.decisionPath ?? 'authz/decision';
  return async (req) => {
    const decisionId = randomUUID();
    const t0 = performance.now();
    let t1 = t0;
    let t2 = t0;
    let t3 = t0;
    let verified: VerifiedToken | undefined;
    let enriched: Enriched | undefined;
    let engine: PolicyEngine | undefined;
    let input: PolicyInput | undefined;
    const emit = (result: DecisionEventDraft['result'], error?: SidecarError): void => {
      const end = performance.now();
      const event: DecisionEventDraft = {
        decision_id: decisionId,
        bundles: engine ? { [bundleName]: { revision: engine.revision } } : {},
        path: decisionPath,
        ...(input !== undefined ? { input } : {}),
        result,
        timestamp: new Date().toISOString(),
        metrics: { timer_rego_query_eval_ns: us(t2, t3) * 1000, timer_server_handler_ns: us(t0, end) * 1000 },
        subject: verified ? { sub: verified.payload.sub, iss: verified.payload.iss } : null,
        request: { method: req.request.method, path: req.request.path },
        claims: { source: enriched?.source ?? null, cache: enriched?.cache ?? null },
        timings_us: {
          verify: us(t0, t1),
          claims: enriched || error ? us(t1, t2) : 0,
          policy: us(t2, t3),
          total: us(t0, end),
        },
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
        ...(req.traceId ? { trace_id: req.traceId } : {}),
      };
      deps.log.log(event, engine ? maskPolicyOf(engine) : undefined);
    };

    try {
      engine = deps.engine();
      if (!engine) throw new SidecarError('not_ready', 'no policy bundle is active yet');
      const token = extractBearer(req.authorization);
      verified = await deps.verify(token);
      t1 = t2 = t3 = performance.now();
      enriched = await deps.enrich(token, verified);
      t2 = t3 = performance.now();
      input = buildInput(enriched.subject, req.request, req);
      const result = engine.decide(input);
      t3 = performance.now();
      emit(result.reasons ? { allow: result.allow, reasons: result.reasons } : { allow: result.allow });
      return { decisionId, allow: result.allow, reasons: result.reasons, revision: engine.revision, input };
    } catch (err) {
      const e = toSidecarError(err);
      if (verified === undefined) t1 = t2 = t3 = performance.now();
      else if (enriched === undefined) t2 = t3 = performance.now();
      else t3 = performance.now();
      emit({ allow: false }, e);
      e.decisionId = decisionId;
      throw e;
    }
  };
}
