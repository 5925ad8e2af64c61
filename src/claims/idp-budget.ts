import { SidecarError } from '../errors/sidecar-error.ts';
import type { SharedClaimsTier } from './shared/shared-tier.ts';
import { createTokenBuckets, type BucketRate } from './token-bucket.ts';

export interface IdpBudgetOptions {
  /** Calls per endpoint (`userinfo`, `introspection`, `lookup`). */
  readonly endpoint: BucketRate;
  /** Calls per subject (Auth0: 5 per minute per user, burst 10). */
  readonly subject: BucketRate;
  /** Most subjects whose buckets are kept in process. */
  readonly maxSubjects: number;
  readonly now: () => number;
  /** When on, the budget is the fleet's (one Lua script in Redis); the process's own when Redis does not answer. */
  readonly shared?: SharedClaimsTier | undefined;
  readonly onRefused?: (endpoint: string) => void;
}

export interface IdpBudget {
  /** Resolves when a call to `endpoint` about `subject` is within budget; otherwise throws `claims_unavailable` with a Retry-After. */
  take(endpoint: string, subject: string): Promise<void>;
  /** The IdP answered 429 with Retry-After: no call to `endpoint` for `ms` (the whole fleet's when shared). */
  pause(endpoint: string, ms: number): void;
  readonly refused: number;
}

/** A Retry-After longer than this is not believed: an IdP cannot park the fleet for hours. */
const MAX_PAUSE_MS = 5 * 60_000;

/**
 * The IdP call budget: a token bucket per endpoint and one per subject, checked before every call
 * that would reach the IdP (a cache hit costs nothing). Over budget the call is not made: the caller
 * gets `claims_unavailable`, so stale claims are served where the stale window allows and otherwise
 * the request is a 503 with Retry-After, a deny. Never an allow. Why per subject: IdPs limit userinfo
 * per user (Auth0: 5/min, burst 10), and a user refused by the IdP is refused for every replica.
 */
export function createIdpBudget(options: IdpBudgetOptions): IdpBudget {
  const { now, shared } = options;
  const endpoints = createTokenBuckets(options.endpoint, 64, now);
  const subjects = createTokenBuckets(options.subject, options.maxSubjects, now);
  const pausedUntil = new Map<string, number>();
  let refused = 0;
  const refuse = (endpoint: string, waitMs: number, why: string): SidecarError => {
    refused++;
    options.onRefused?.(endpoint);
    return new SidecarError('claims_unavailable', `${endpoint}: ${why}; retry in ${Math.ceil(waitMs / 1000)} s`, { retryAfterSeconds: Math.ceil(waitMs / 1000) });
  };

  return {
    async take(endpoint, subject) {
      const paused = (pausedUntil.get(endpoint) ?? 0) - now();
      if (paused > 0) throw refuse(endpoint, paused, 'the IdP asked for a pause (429 Retry-After)');
      if (shared) {
        const wait = await shared.takeBudget(endpoint, subject, options.endpoint, options.subject);
        if (wait === 0) return;
        if (wait !== undefined) throw refuse(endpoint, wait, 'over the fleet\'s IdP call budget (claims.budget.*)');
      }
      const wait = Math.max(endpoints.wait(endpoint), subjects.wait(subject));
      if (wait > 0) throw refuse(endpoint, wait, 'over the IdP call budget (claims.budget.*)');
      endpoints.take(endpoint);
      subjects.take(subject);
    },
    pause(endpoint, ms) {
      const until = now() + Math.min(ms, MAX_PAUSE_MS);
      if (until > (pausedUntil.get(endpoint) ?? 0)) pausedUntil.set(endpoint, until);
      if (shared) void shared.pauseEndpoint(endpoint, Math.min(ms, MAX_PAUSE_MS));
    },
    get refused() {
      return refused;
    },
  };
}
