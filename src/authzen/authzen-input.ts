import type { Enriched, Subject } from '../claims/enrich-claims.ts';
import type { AuthorizerDeps } from '../decision/authorize.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';
import type { Caller } from './establish-caller.ts';
import type { Action, SearchKind } from './types.ts';

/** What the AuthZEN pipeline needs beside what /authorize's does (identity.ts). */
export interface ClaimsLookup {
  /** The claims the cache holds for a subject asserted by its id. */
  readonly cachedSubject: (sub: string) => Enriched | undefined;
  /** The same, or else from `claims.subjectLookup` when configured. */
  readonly subjectClaims: (sub: string) => Promise<Enriched | undefined>;
}

/**
 * The policy's input for one AuthZEN question (docs/authzen.md, "The input document"): the
 * request's entities as sent, how the subject was established (`trust`), and `claims`, what the
 * sidecar knows about the subject (the verified and enriched token; for an asserted subject, what
 * the claims cache holds), absent when nothing is known. A search adds `search`, the kind asked.
 */
export function authzenInput(
  q: { readonly subject: unknown; readonly action?: Action | undefined; readonly resource: unknown; readonly context?: unknown },
  trust: Caller['trust'],
  claims: Subject | undefined,
  search?: SearchKind,
): Record<string, unknown> {
  return {
    ...(search !== undefined ? { search } : {}),
    subject: q.subject,
    ...(q.action !== undefined ? { action: q.action } : {}),
    resource: q.resource,
    ...(q.context !== undefined ? { context: q.context } : {}),
    trust,
    ...(claims !== undefined ? { claims } : {}),
  };
}

type Claims = { readonly claims: Subject | undefined; readonly enriched: Enriched | undefined };

/**
 * The claims for a subject of the request: the token's (the caller is the subject), or for an
 * asserted subject the cache's or the subject lookup's, narrowed to the bundle's relevant roles as
 * on /authorize.
 */
export async function claimsOf(deps: AuthorizerDeps & ClaimsLookup, caller: Caller, subject: object, engine: PolicyEngine): Promise<Claims> {
  if (caller.trust === 'token') return { claims: caller.subject, enriched: caller.enriched };
  const id = (subject as { id?: unknown }).id;
  return narrowed(deps, typeof id === 'string' ? await deps.subjectClaims(id) : undefined, engine);
}

/** claimsOf from the cache alone, without waiting: for the many candidates of a subject search. */
export function cachedClaimsOf(deps: AuthorizerDeps & ClaimsLookup, subject: object, engine: PolicyEngine): Claims {
  const id = (subject as { id?: unknown }).id;
  return narrowed(deps, typeof id === 'string' ? deps.cachedSubject(id) : undefined, engine);
}

function narrowed(deps: AuthorizerDeps, enriched: Enriched | undefined, engine: PolicyEngine): Claims {
  if (enriched === undefined) return { claims: undefined, enriched: undefined };
  return { claims: deps.filterSubject ? deps.filterSubject(enriched.subject, engine) : enriched.subject, enriched };
}

export interface AuthzenDecision {
  readonly decision: boolean;
  readonly context?: Readonly<Record<string, unknown>>;
  /** `context.reasons` when it is a list of strings, for the decision log's `result.reasons`. */
  readonly reasons?: readonly string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * An entrypoint's result as an AuthZEN decision: `true`, or `{"decision": true, "context"?: {...}}`,
 * permits; anything else (false, undefined, another shape) denies. A `context` object is passed on.
 */
export function decisionOf(result: unknown): AuthzenDecision {
  if (result === true) return { decision: true };
  if (!isObject(result)) return { decision: false };
  const context = isObject(result['context']) ? result['context'] : undefined;
  const reasons = context && Array.isArray(context['reasons']) && context['reasons'].every((r) => typeof r === 'string') ? (context['reasons'] as string[]) : undefined;
  return { decision: result['decision'] === true, ...(context ? { context } : {}), ...(reasons ? { reasons } : {}) };
}
