import { createHash } from 'node:crypto';
import NodeCache from 'node-cache';
import type { TokenVerifier } from './verify-token.ts';

export interface VerifiedTokenCacheOptions {
  /** Longest reuse of one verification; never past the token's `exp`. 0 turns the cache off. */
  readonly ttlSeconds: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

/**
 * Remembers successful verifications so a token seen again skips the signature check (an RS256
 * verification costs ~110 µs with jose). The key is the SHA-256 of the exact token string, which
 * checkCompactJws has already made canonical, never the token itself. An entry lives at most
 * `ttlSeconds` and never past the token's `exp`, so an expired token always goes back through
 * jose and is refused there. Failures are not cached: a bad token costs a verification each time.
 *
 * node-cache with `useClones: false` (the cached results are frozen): when `maxEntries` is reached
 * it refuses new keys rather than evicting, so under a flood of distinct tokens the cache stops
 * growing and those tokens are simply verified every time, until entries expire.
 */
export function cacheVerifiedTokens(verify: TokenVerifier, options: VerifiedTokenCacheOptions): TokenVerifier & { close(): void } {
  if (options.ttlSeconds <= 0) return Object.assign((token: string) => verify(token), { close() {} });
  const now = options.now ?? Date.now;
  const cache = new NodeCache({ useClones: false, checkperiod: 60, maxKeys: options.maxEntries });
  const cached = async (token: string) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = cache.get<Awaited<ReturnType<TokenVerifier>>>(key);
    if (hit !== undefined && hit.payload.exp * 1000 > now()) return hit;
    const verified = await verify(token);
    const ttl = Math.min(options.ttlSeconds, verified.payload.exp - now() / 1000);
    if (ttl > 0) {
      try {
        cache.set(key, Object.freeze(verified), ttl);
      } catch {
        // ECACHEFULL: stay bounded; this token is verified again next time.
      }
    }
    return verified;
  };
  return Object.assign(cached, { close: () => cache.close() });
}
