import { createHash } from 'node:crypto';
import type { TokenVerifier, VerifiedToken } from './verify-token.ts';

export interface VerifiedTokenCacheOptions {
  /** Longest reuse of one verification; never past the token's `exp`. 0 turns the cache off. */
  readonly ttlSeconds: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

export interface VerifiedTokenCache extends TokenVerifier {
  /** Entries held (expired ones included until they are met or evicted). */
  readonly size: number;
  close(): void;
}

interface Entry {
  readonly value: VerifiedToken;
  /** ms since the epoch: min(now + ttl, exp). */
  readonly until: number;
}

/**
 * Remembers successful verifications so a token seen again skips the signature check (an RS256
 * verification costs tens of µs of CPU: scripts/measure-token-verify.ts). The key is the SHA-256 of the whole compact token, which
 * checkCompactJws has already made canonical, never the token itself and never its header and
 * payload alone (a tampered signature must not hit: the Cerbos v0.53 lesson in
 * /work/shared/FACTS.md does not apply to a key over all three parts). An entry lives at most
 * `ttlSeconds` and never past the token's `exp`, so an expired token always goes back through jose
 * and is refused there. Failures are not cached: a bad token costs a verification each time.
 *
 * A Map in least-recently-used order, expired lazily when met, bounded by `maxEntries` (the least
 * recently used entry goes first). Why not node-cache: its periodic check walks every key on
 * one turn of the event loop (measured by scripts/measure-token-cache.ts: see
 * docs/architecture.md), and it refuses new keys when full. The results are deep-frozen, so one
 * verification can be shared by every request with that token.
 */
export function cacheVerifiedTokens(verify: TokenVerifier, options: VerifiedTokenCacheOptions): VerifiedTokenCache {
  if (options.ttlSeconds <= 0) return Object.assign((token: string) => verify(token), { size: 0, close() {} });
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlSeconds * 1000;
  const entries = new Map<string, Entry>();
  const cached = async (token: string): Promise<VerifiedToken> => {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = entries.get(key);
    if (hit !== undefined) {
      entries.delete(key);
      if (hit.until > now()) {
        entries.set(key, hit); // most recently used goes last
        return hit.value;
      }
    }
    const verified = await verify(token);
    const until = Math.min(now() + ttlMs, verified.payload.exp * 1000);
    if (until > now()) {
      const value = deepFreeze(verified);
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
      entries.delete(key);
      entries.set(key, { value, until });
      return value;
    }
    return verified;
  };
  return Object.defineProperties(Object.assign(cached, { close: () => entries.clear() }), {
    size: { get: () => entries.size, enumerable: true },
  }) as VerifiedTokenCache;
}

/** Freezes an object and everything it holds; verified tokens are plain JSON (objects, arrays, primitives). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
