import { createHash } from 'node:crypto';
import NodeCache from 'node-cache';

export interface CachedClaims {
  /** Claims as the IdP answered them (userinfo). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Roles read from those claims. */
  readonly roles: readonly string[];
}

export type CacheOutcome = 'hit' | 'miss' | 'uncached';

export interface ClaimsCache {
  /**
   * Returns cached claims for `key`, or runs `load` once for all concurrent callers of the same
   * key and caches its result for `ttlSeconds` (not cached when ≤ 0 or the cache is full).
   */
  getOrLoad(key: string, ttlSeconds: number, load: () => Promise<CachedClaims>): Promise<{ value: CachedClaims; outcome: CacheOutcome }>;
  delete(key: string): void;
  readonly size: number;
  close(): void;
}

/**
 * The cache key of a subject's claims: a hash of (iss, sub, azp or client_id, scope), never the
 * token, so a token string is not kept in memory as a key and one subject's claims are shared by
 * its tokens that carry the same client and scope (userinfo answers depend on both).
 */
export function claimsCacheKey(payload: Record<string, unknown>): string {
  const client = typeof payload['azp'] === 'string' ? payload['azp'] : typeof payload['client_id'] === 'string' ? payload['client_id'] : '';
  const scope = typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean).sort().join(' ') : '';
  return createHash('sha256')
    .update(JSON.stringify([payload['iss'], payload['sub'], client, scope]))
    .digest('base64url');
}

/** node-cache without cloning (FACTS: clones cost ~15x) holding frozen values, with single-flight loads. */
export function createClaimsCache(maxEntries: number): ClaimsCache {
  const cache = new NodeCache({ useClones: false, checkperiod: 60, maxKeys: maxEntries, deleteOnExpire: true });
  const inflight = new Map<string, Promise<CachedClaims>>();

  return {
    async getOrLoad(key, ttlSeconds, load) {
      const cached = cache.get<CachedClaims>(key);
      if (cached !== undefined) return { value: cached, outcome: 'hit' };
      let pending = inflight.get(key);
      const leader = pending === undefined;
      if (pending === undefined) {
        pending = load().finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      const value = await pending;
      if (!leader) return { value, outcome: 'miss' };
      if (ttlSeconds <= 0) return { value, outcome: 'uncached' };
      try {
        cache.set(key, Object.freeze(value), ttlSeconds);
        return { value, outcome: 'miss' };
      } catch {
        // ECACHEFULL: stay bounded; this subject is served but not cached.
        return { value, outcome: 'uncached' };
      }
    },
    delete(key) {
      cache.del(key);
    },
    get size() {
      return cache.keys().length;
    },
    close() {
      cache.close();
    },
  };
}
