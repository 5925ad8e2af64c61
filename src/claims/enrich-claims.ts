import { SidecarError } from '../errors/sidecar-error.ts';
import type { VerifiedToken } from '../token/verify-token.ts';
import { claimsCacheKey, type CacheOutcome, type ClaimsCache } from './claims-cache.ts';
import { readRoles } from './read-roles.ts';
import type { UserinfoClient } from './userinfo-client.ts';

/** The subject as the policy sees it: every verified or fetched claim, plus `roles`. */
export interface Subject extends Record<string, unknown> {
  readonly sub: string;
  readonly iss: string;
  readonly roles: readonly string[];
}

export interface Enriched {
  readonly subject: Subject;
  /** `token`: the token alone; `userinfo`: claims were fetched or taken from the cache. */
  readonly source: 'token' | 'userinfo';
  /** `none` when userinfo was not needed. */
  readonly cache: CacheOutcome | 'none';
}

export interface EnrichOptions {
  readonly enrich: 'when-missing' | 'always' | 'never';
  readonly roleClaims: readonly string[];
  readonly cacheTtlSeconds: number;
  /** Absent when the issuer has no userinfo endpoint. */
  readonly userinfo: UserinfoClient | undefined;
  readonly cache: ClaimsCache;
  readonly now?: () => number;
}

export type ClaimsEnricher = (token: string, verified: VerifiedToken) => Promise<Enriched>;

/**
 * Adds the roles a subject-only token lacks. Token claims win over userinfo claims of the same
 * name (the token is what was verified); roles are the union of both. userinfo's `sub` must
 * equal the token's, or the request is refused with `subject_mismatch`.
 */
export function createClaimsEnricher(options: EnrichOptions): ClaimsEnricher {
  const now = options.now ?? Date.now;
  return async (token, { payload }) => {
    const tokenRoles = readRoles(payload, options.roleClaims);
    const needed = options.enrich === 'always' || (options.enrich === 'when-missing' && tokenRoles === undefined);
    if (!needed) return { subject: { ...payload, roles: tokenRoles ?? [] }, source: 'token', cache: 'none' };

    const userinfo = options.userinfo;
    if (!userinfo) throw new SidecarError('claims_unavailable', 'the issuer publishes no userinfo endpoint', { expose: true });
    const ttl = Math.min(options.cacheTtlSeconds, payload.exp - now() / 1000);
    const { value, outcome } = await options.cache.getOrLoad(claimsCacheKey(payload), ttl, async () => {
      const claims = await userinfo.fetch(token);
      if (claims['sub'] !== payload.sub) {
        throw new SidecarError('subject_mismatch', 'userinfo answered for a different subject than the token');
      }
      return { claims, roles: readRoles(claims, options.roleClaims) ?? [] };
    });
    const roles = tokenRoles ? [...new Set([...tokenRoles, ...value.roles])] : value.roles;
    return { subject: { ...value.claims, ...payload, roles }, source: 'userinfo', cache: outcome };
  };
}
