import { createHash } from 'node:crypto';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { subjectId, type ClaimsCache } from './claims-cache.ts';
import type { Enriched, Subject } from './enrich-claims.ts';
import { createIdpPool, parseJsonObject, type IdpHttpOptions } from './idp-pool.ts';
import { readRoles, type RoleClaim } from './role-claims.ts';

export interface SubjectLookupOptions extends IdpHttpOptions {
  /** `claims.subjectLookup.url`: an https URL with `{id}` where the percent-encoded subject id goes. */
  readonly urlTemplate: string;
  /** `claims.subjectLookup.authorization`: the Authorization header sent, if any. */
  readonly authorization: string | undefined;
  readonly issuer: string;
  readonly roleClaims: readonly RoleClaim[];
  readonly cacheTtlSeconds: number;
  readonly cache: ClaimsCache;
  readonly breaker: CircuitBreaker;
}

export interface SubjectLookup {
  /** The claims the source holds for `sub`; undefined when it answers 404 (no such subject). */
  lookup(sub: string): Promise<Enriched | undefined>;
  close(): Promise<void>;
}

/**
 * Claims of a subject known by its id alone (`claims.subjectLookup`): for an AuthZEN subject asserted
 * by an enforcement point, which sends no token to call userinfo with. `GET <url with {id}>` with the
 * configured Authorization; a 200 JSON object is the claims (its `sub`, if any, must be the id asked
 * about), roles are read by `claims.roleClaims`; 404 means no such subject (not cached). Through the
 * claims cache under the subject (single flight, TTL, stale-if-error, eviction by subject and by
 * logout), the userinfo pool's timeouts and size cap, and its own circuit breaker.
 */
export function createSubjectLookup(o: SubjectLookupOptions): SubjectLookup {
  // A 404 is answered to every caller of one flight (the cache shares a load), so it is marked on the value.
  const missing = new WeakSet<object>();
  const pool = createIdpPool(o.urlTemplate.replace('{id}', 'id'), o);
  const headers: Record<string, string> = { accept: 'application/json', ...(o.authorization ? { authorization: o.authorization } : {}) };
  return {
    async lookup(sub) {
      const key = `lookup:${createHash('sha256').update(subjectId(o.issuer, sub)).digest('base64url')}`;
      const r = await o.cache.getOrLoad(
        key,
        async () => {
          const url = new URL(o.urlTemplate.replace('{id}', encodeURIComponent(sub)));
          const res = await o.breaker.run(() => pool.request('subject lookup', { method: 'GET', headers, path: url.pathname + url.search }));
          const found = res.status !== 404;
          if (found && res.status !== 200) throw new SidecarError('claims_unavailable', `the subject lookup answered ${res.status}`);
          if (found && res.type !== 'application/json') throw new SidecarError('claims_unavailable', `the subject lookup answered content-type '${res.type}', not JSON`);
          const claims = found ? parseJsonObject('the subject lookup', res.text) : {};
          if (claims['sub'] !== undefined && claims['sub'] !== sub) throw new SidecarError('subject_mismatch', 'the subject lookup answered for another subject');
          const value = { claims, roles: readRoles(claims, o.roleClaims) ?? [] };
          if (!found) missing.add(value);
          return {
            value,
            ttlSeconds: found ? o.cacheTtlSeconds : 0,
            subject: subjectId(o.issuer, sub),
            bytes: 512 + 3 * res.bytes,
          };
        },
        subjectId(o.issuer, sub),
      );
      if (missing.has(r.value)) return undefined;
      // `kind` last: the lookup's answer cannot make a subject a service (src/claims/enrich-claims.ts).
      const subject = { ...r.value.claims, sub, iss: o.issuer, roles: r.value.roles, kind: 'user' } as Subject;
      return { subject, source: 'lookup', cache: r.outcome, ...(r.staleReason ? { staleReason: `lookup: ${r.staleReason}` } : {}) };
    },
    close: () => pool.close(),
  };
}
