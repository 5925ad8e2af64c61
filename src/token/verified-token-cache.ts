import { LruEntry, LruIndex } from '../lib/lru-index.ts';
import { frozenVerification, memoOf } from '../lib/memo-slot.ts';
import { deepFreeze } from '../lib/deep-freeze.ts';
import { tokenKey } from '../lib/token-key.ts';
import { createVerifiedInterner } from './intern-verified.ts';
import type { TokenVerifier, VerifiedToken } from './verify-token.ts';
import type { RemoteKeys } from './remote-keys.ts';

export interface VerifiedTokenCacheOptions {
  /** Longest reuse of one verification; never past the token's `exp`. 0 turns the cache off. */
  readonly ttlSeconds: number;
  readonly maxEntries: number;
  readonly now?: () => number;
  /**
   * The key set the verifier uses (src/token/remote-keys.ts). A cached verification begun before a fetched
   * JWKS dropped a key is not served again, so a removed key stops counting for cached tokens as soon as
   * for new ones. Absent: entries live their TTL.
   */
  readonly keys?: Pick<RemoteKeys, 'keySetEpoch' | 'refreshIfStale'>;
}

export interface VerifiedTokenCache extends TokenVerifier {
  /** Entries held (expired ones included until they are met or evicted). */
  readonly size: number;
  close(): void;
}

/**
 * What the stages after verification remember about a cached verification, kept exactly as long as it
 * is cached: no WeakMap keyed by it (src/lib/memo-slot.ts says why). Read it with verificationMemoOf.
 */
export interface VerificationMemo {
  /** The token's key (src/lib/token-key.ts): this cache's key, reused by the claims layer. */
  readonly key: string;
  /** src/claims/fetch-claims.ts: the claims cache key of the token's subject (claimsCacheKey, with its prefix). */
  claimsKey: string | undefined;
  /** src/claims/enrich-claims.ts: the subject last built from the token. */
  subject: object | undefined;
}

/** A cached verification's entry: itself the memo of the verification it holds. */
class Entry extends LruEntry implements VerificationMemo {
  /** Set once, right after the entry is made (the verification carries the entry as its memo). */
  value: VerifiedToken | undefined = undefined;
  /** min(now + ttl, exp) in ms after the cache's `epoch`: a small integer, held in the entry itself rather than as a boxed double. */
  readonly until: number;
  /** The key set's epoch when the verification began (RemoteKeys.keySetEpoch). */
  readonly keySetEpoch: number;
  claimsKey: string | undefined = undefined;
  subject: object | undefined = undefined;

  constructor(key: string, until: number, keySetEpoch: number) {
    super(key);
    this.until = until;
    this.keySetEpoch = keySetEpoch;
  }
}

/** The memo of a verification this cache made and holds, or undefined for any other. */
export function verificationMemoOf(verified: VerifiedToken): VerificationMemo | undefined {
  const memo = memoOf(verified);
  return memo instanceof Entry ? memo : undefined;
}

/**
 * Remembers successful verifications so a token seen again skips the signature check (an RS256
 * verification costs tens of µs of CPU: scripts/measure-token-verify.ts). The key is the SHA-256 of the whole compact token, which
 * checkCompactJws has already made canonical, never the token itself and never its header and
 * payload alone (a tampered signature must not hit: the Cerbos v0.53 lesson in
 * /work/shared/FACTS.md does not apply to a key over all three parts). An entry lives at most
 * `ttlSeconds` and never past the token's `exp`, so an expired token always goes back through jose
 * and is refused there; and only while no fetched JWKS has dropped a key since it was verified
 * (`keys`), so a key the issuer removes stops counting for cached tokens when it stops counting for new
 * ones. Failures are not cached: a bad token costs a verification each time.
 *
 * Bounded by `maxEntries`, the least recently used entry going first (src/lib/lru-index.ts); expired
 * entries are dropped when met or evicted. Why not node-cache: its periodic check walks every key on
 * one turn of the event loop (measured by scripts/measure-token-cache.ts: see docs/architecture.md),
 * and it refuses new keys when full. The results are deep-frozen, so one verification can be shared by
 * every request with that token, and the values many tokens share (issuer, audience, client, scope,
 * header) are one copy each (src/token/intern-verified.ts).
 */
export function cacheVerifiedTokens(verify: TokenVerifier, options: VerifiedTokenCacheOptions): VerifiedTokenCache {
  if (options.ttlSeconds <= 0) return Object.assign((token: string) => verify(token), { size: 0, close() {} });
  const now = options.now ?? Date.now;
  const epoch = now();
  const ttlMs = options.ttlSeconds * 1000;
  const entries = new LruIndex<Entry>();
  const intern = createVerifiedInterner();
  const keys = options.keys;
  const cached = async (token: string): Promise<VerifiedToken> => {
    const key = tokenKey(token);
    const hit = entries.get(key);
    if (hit !== undefined) {
      if (hit.until > now() - epoch && (keys === undefined || hit.keySetEpoch === keys.keySetEpoch())) {
        entries.use(hit);
        keys?.refreshIfStale();
        return hit.value!;
      }
      entries.remove(hit);
    }
    const keySetEpoch = keys === undefined ? 0 : keys.keySetEpoch();
    const verified = await verify(token);
    const until = Math.min(now() + ttlMs, verified.payload.exp * 1000);
    if (until <= now() || keySetEpoch === undefined) return verified;
    const { payload, header } = intern(verified);
    const entry = new Entry(key, until - epoch, keySetEpoch);
    const value = frozenVerification(deepFreeze(payload), deepFreeze(header), entry);
    entry.value = value;
    if (entries.size >= options.maxEntries) entries.remove(entries.oldest()!);
    entries.add(entry); // replaces an entry stored for the same token meanwhile
    return value;
  };
  return Object.defineProperties(Object.assign(cached, { close: () => entries.clear() }), {
    size: { get: () => entries.size, enumerable: true },
  }) as VerifiedTokenCache;
}
