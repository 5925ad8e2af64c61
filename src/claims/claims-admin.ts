import { SidecarError } from '../errors/sidecar-error.ts';
import type { BreakerStatus } from './circuit-breaker.ts';
import { subjectId, type ClaimsCache, type ClaimsCacheStats } from './claims-cache.ts';
import type { LogoutTokenVerifier } from './verify-logout-token.ts';

export interface ClaimsStatus {
  readonly cache: ClaimsCacheStats;
  readonly breakers: Readonly<Record<string, BreakerStatus>>;
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
}

/**
 * Evictions on demand (the admin endpoint) and on logout (the back-channel receiver). A logout
 * that names only `sid` evicts the subject that session belonged to, as seen on earlier requests;
 * claims are cached per subject, not per session, so the whole subject goes.
 */
export function createClaimsAdmin(options: ClaimsAdminOptions): ClaimsAdmin {
  return {
    evict: (iss, sub) => options.cache.evictSubject(subjectId(iss, sub)),
    async logout(logoutToken) {
      const verify = options.logoutVerifier();
      if (!verify) throw new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
      const { sub, sid } = await verify(logoutToken);
      const subject = sub !== undefined ? subjectId(options.issuer, sub) : options.cache.subjectOfSession(sid!);
      return { evicted: subject === undefined ? 0 : options.cache.evictSubject(subject) };
    },
    status: () => ({ cache: options.cache.stats, breakers: options.breakers() }),
  };
}
