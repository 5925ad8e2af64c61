import { SidecarError } from '../errors/sidecar-error.ts';
import type { BreakerStatus } from './circuit-breaker.ts';
import { subjectId, type ClaimsCache, type ClaimsCacheStats } from './claims-cache.ts';
import type { LogoutTokenVerifier } from './verify-logout-token.ts';
import type { SharedOutcome } from './shared/redis-guard.ts';
import type { SharedClaimsTier } from './shared/shared-tier.ts';

export interface ClaimsStatus {
  readonly cache: ClaimsCacheStats;
  readonly breakers: Readonly<Record<string, BreakerStatus>>;
  /** The shared tier's outcome counts, when it is on. */
  readonly shared?: Readonly<Record<SharedOutcome, number>>;
}

export interface ClaimsAdmin {
  /** Removes a subject's cached claims; returns how many entries went. */
  evict(iss: string, sub: string): number;
  /** Verifies a back-channel logout token and evicts the subject it names (by `sub`, or by `sid`). */
  logout(logoutToken: string): Promise<{ evicted: number }>;
  status(): ClaimsStatus;
}

export interface ClaimsAdminOptions {
  readonly issuer: string;
  readonly cache: ClaimsCache;
  readonly breakers: () => Readonly<Record<string, BreakerStatus>>;
  /** Undefined until issuer discovery has produced the keys. */
  readonly logoutVerifier: () => LogoutTokenVerifier | undefined;
  /** The fleet's shared tier: an eviction also removes the subject there and reaches every replica. */
  readonly shared?: SharedClaimsTier | undefined;
}

/**
 * Evictions on demand (the admin endpoint) and on logout (the back-channel receiver). A logout
 * that names only `sid` evicts the subject that session belonged to, as seen on earlier requests;
 * claims are cached per subject, not per session, so the whole subject goes. With the shared tier
 * on, the subject also leaves Redis and every replica's local tier (pub/sub, shared-tier.ts).
 */
export function createClaimsAdmin(options: ClaimsAdminOptions): ClaimsAdmin {
  const { shared } = options;
  const evict = (subject: string): number => {
    // The shared eviction runs on its own: Redis trouble is counted by the tier and never fails the eviction here.
    if (shared) void shared.evict(subject);
    return options.cache.evictSubject(subject);
  };
  return {
    evict: (iss, sub) => evict(subjectId(iss, sub)),
    async logout(logoutToken) {
      const verify = options.logoutVerifier();
      if (!verify) throw new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
      const { sub, sid } = await verify(logoutToken);
      // A session this replica never saw may have been seen by another: the shared tier remembers it.
      const subject = sub !== undefined ? subjectId(options.issuer, sub) : (options.cache.subjectOfSession(sid!) ?? (await shared?.subjectOfSession(sid!)));
      return { evicted: subject === undefined ? 0 : evict(subject) };
    },
    status: () => ({ cache: options.cache.stats, breakers: options.breakers(), ...(shared ? { shared: { ...shared.counts } } : {}) }),
  };
}
