import { randomUUID } from 'node:crypto';
import { SidecarError, toSidecarError } from '../errors/sidecar-error.ts';
import type { ClaimsEnricher, Enriched } from '../claims/enrich-claims.ts';
import type { DecisionLogger } from '../decision-log/decision-logger.ts';
import type { DecisionEvent } from '../decision-log/decision-event.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';
import type { TokenVerifier, VerifiedToken } from '../token/verify-token.ts';
import { extractBearer } from '../token/extract-bearer.ts';
import type { SubjectFilter } from './relevant-roles.ts';
import { buildInput, type InputExtras, type PolicyInput } from './build-input.ts';
import type { NormalizedRequest } from './normalize-request.ts';

export interface AuthorizeRequest extends InputExtras {
  readonly authorization: string | undefined;
  readonly request: NormalizedRequest;
  readonly traceId?: string | undefined;
  /** The raw W3C `traceparent` header, for spans parented to the caller's (see src/tracing). */
  readonly traceparent?: string | string[] | undefined;
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
  readonly log: Pick<DecisionLogger, 'log'>;
  /** Narrows the subject to what the active bundle uses (policy.relevantRoles); identity when absent. */
  readonly filterSubject?: SubjectFilter;
  /** Sees every logged decision after it is queued (metrics, tracing); must be cheap and must not throw. */
  readonly observe?: (event: DecisionEvent, req: AuthorizeRequest) => void;
}

export type Authorizer = (req: AuthorizeRequest) => Promise<Decision>;

const us = (from: number, to: number): number => Math.round((to - from) * 1000);

/**
 * The request path: token → claims → policy. Every outcome, allow, deny or error, is logged
 * once; errors are rethrown as SidecarError for the HTTP layer. Nothing here allows on error:
 * `allow` is true only when the policy returned exactly true.
 */
export function createAuthorizer(deps: AuthorizerDeps): Authorizer {
  return async (req) => {
    const decisionId = randomUUID();
    const t0 = performance.now();
    let t1 = t0;
    let t2 = t0;
    let t3 = t0;
    let verified: VerifiedToken | undefined;
    let enriched: Enriched | undefined;
    let revision: string | null = null;
    const emit = (result: DecisionEvent['result'], error?: SidecarError): void => {
      const end = performance.now();
      const event: DecisionEvent = {
        decision_id: decisionId,
        timestamp: new Date().toISOString(),
        path: 'authorize',
        subject: verified ? { sub: verified.payload.sub, iss: verified.payload.iss } : null,
        request: { method: req.request.method, path: req.request.path },
        result,
        bundle: { revision },
        timings_us: {
          verify: us(t0, t1),
          claims: enriched || error ? us(t1, t2) : 0,
          policy: us(t2, t3),
          total: us(t0, end),
        },
        claims: {
          source: enriched?.source ?? null,
          cache: enriched?.cache ?? null,
          ...(enriched?.staleReason ? { stale_reason: enriched.staleReason } : {}),
        },
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
        ...(req.traceId ? { trace_id: req.traceId } : {}),
      };
      deps.log.log(event);
      try {
        deps.observe?.(event, req);
      } catch {
        // Observers are metrics and tracing: their failure must not change a decision.
      }
    };

    try {
      const engine = deps.engine();
      if (!engine) throw new SidecarError('not_ready', 'no policy bundle is active yet');
      revision = engine.revision;
      const token = extractBearer(req.authorization);
      verified = await deps.verify(token);
      t1 = t2 = t3 = performance.now();
      enriched = await deps.enrich(token, verified);
      t2 = t3 = performance.now();
      const subject = deps.filterSubject ? deps.filterSubject(enriched.subject, engine) : enriched.subject;
      const input = buildInput(subject, req.request, req);
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
