import { randomUUID } from 'node:crypto';
import { SidecarError, toSidecarError } from '../errors/sidecar-error.ts';
import type { ClaimsEnricher, Subject } from '../claims/enrich-claims.ts';
import type { PolicyEngine, PolicyResult } from '../policy/policy-engine.ts';
import type { TokenVerifier } from '../token/verify-token.ts';
import { extractBearer } from '../token/extract-bearer.ts';
import { buildInput, type InputExtras } from './build-input.ts';
import type { NormalizedRequest } from '../request/normalize-request.ts';
import type { SubjectFilter } from './relevant-roles.ts';
import { startDecision, type DecisionRecord, type RecordDeps } from './record-decision.ts';

export interface AuthorizeRequest extends InputExtras {
  readonly authorization: string | undefined;
  readonly request: NormalizedRequest;
  readonly traceId?: string | undefined;
  /** The raw W3C `traceparent` header, for spans parented to the caller's (see src/tracing). */
  readonly traceparent?: string | string[] | undefined;
  /** A front door's own input document (ext_authz: src/ext-authz/); default build-input.ts's. */
  readonly input?: (subject: Subject) => unknown;
  /** A front door's own reading of the policy's result (ext_authz); default policy-engine.ts's `interpret`. */
  readonly interpret?: (result: unknown) => PolicyResult & { readonly detail?: unknown };
}

export interface Decision {
  readonly decisionId: string;
  readonly allow: boolean;
  readonly reasons: readonly string[] | undefined;
  readonly revision: string;
  /** The document the policy saw: build-input.ts's PolicyInput, or a front door's own (`AuthorizeRequest.input`). */
  readonly input: unknown;
  /** What the front door's `interpret` kept of the result beside allow and reasons (ext_authz: headers, status, body). */
  readonly detail?: unknown;
}

export interface AuthorizerDeps extends RecordDeps {
  readonly verify: TokenVerifier;
  readonly enrich: ClaimsEnricher;
  readonly engine: () => PolicyEngine | undefined;
  /** Narrows the subject to what the active bundle uses (policy.relevantRoles); identity when absent. */
  readonly filterSubject?: SubjectFilter;
  /** The entrypoint evaluated, logged as OPA's `path`; default `authz/decision`. */
  readonly decisionPath?: string;
}

export type Authorizer = (req: AuthorizeRequest) => Promise<Decision>;

/**
 * The subject a bearer token stands for, as the active bundle sees it: verified, enriched, then
 * narrowed to the bundle's relevant roles. Shared by /authorize and the Data API, so both
 * identify a caller the same way; each stage is marked on the decision record.
 */
export async function subjectOf(deps: AuthorizerDeps, record: DecisionRecord, authorization: string | undefined, engine: PolicyEngine): Promise<Subject> {
  const token = extractBearer(authorization);
  const verified = await deps.verify(token);
  record.verified(verified);
  // Narrowed by the enricher, which keeps the narrowed subject of a cached verification (src/claims/enrich-claims.ts).
  const enriched = await deps.enrich(token, verified, deps.filterSubject?.narrowing(engine));
  record.enriched(enriched);
  return enriched.subject;
}

/**
 * The request path: token → claims → policy. Every outcome, allow, deny or error, is logged
 * once; errors are rethrown as SidecarError for the HTTP layer. Nothing here allows on error:
 * `allow` is true only when the policy returned exactly true.
 */
export function createAuthorizer(deps: AuthorizerDeps): Authorizer {
  return async (req) => {
    const decisionId = randomUUID();
    const record = startDecision(deps, {
      decisionId,
      path: deps.decisionPath ?? 'authz/decision',
      request: { method: req.request.method, path: req.request.path },
      traceId: req.traceId,
      traceparent: req.traceparent,
    });
    try {
      const engine = deps.engine();
      if (!engine) throw new SidecarError('not_ready', 'no policy bundle is active yet');
      record.engine(engine);
      const subject = await subjectOf(deps, record, req.authorization, engine);
      const input = req.input ? req.input(subject) : buildInput(subject, req.request, req);
      record.input(input);
      const result: PolicyResult & { readonly detail?: unknown } = req.interpret ? req.interpret(engine.result(input)) : engine.decide(input);
      record.evaluated();
      record.finish(result.reasons ? { allow: result.allow, reasons: result.reasons } : { allow: result.allow });
      return { decisionId, allow: result.allow, reasons: result.reasons, revision: engine.revision, input, ...(result.detail !== undefined ? { detail: result.detail } : {}) };
    } catch (err) {
      const e = toSidecarError(err);
      record.finish({ allow: false }, e);
      e.decisionId = decisionId;
      throw e;
    }
  };
}
