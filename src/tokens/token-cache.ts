import { SidecarError } from '../errors/sidecar-error.ts';
import type { IssuedToken } from './request-token.ts';

/** When a cached token may be handed out, and when its replacement is fetched in the background. */
export interface CachePlan {
  /** Unix ms after which a lookup starts one background refresh (Infinity: never; the entry just lapses). */
  readonly refreshAt: number;
  /** Unix ms from which the entry is not handed out any more; never later than the token's `expiresAt`. */
  readonly usableUntil: number;
}

export type CacheOutcome = 'hit' | 'miss';

export interface TokenCache {
  /**
   * The token for `key`: the cached one while it is usable (starting one background refresh once its
   * refresh time has come), else one fetched now. Concurrent lookups of a key share one fetch
   * (single-flight), refreshes included. A fetch's failure reaches every waiter and is not cached.
   */
  get(key: string, fetch: () => Promise<IssuedToken>, plan: (token: IssuedToken) => CachePlan): Promise<{ token: IssuedToken; outcome: CacheOutcome }>;
  readonly size: number;
  clear(): void;
}

export interface TokenCacheOptions {
  readonly maxEntries: number;
  readonly now?: () => number;
  /** A background refresh began or ended; its failure leaves the cached token in place until it lapses. */
  readonly onRefresh?: (key: string, outcome: 'started' | 'ok' | 'failed', err?: unknown) => void;
}

/** After a failed background refresh, the next one is tried no sooner than this. */
const REFRESH_RETRY_MS = 1000;

interface Entry extends CachePlan {
  readonly token: IssuedToken;
}

/**
 * The tokens the sidecar fetched, by key (a hash for exchanged tokens: never the raw subject token),
 * in memory and bounded: when full, the entry that lapses first is dropped. Why hand-written: the
 * rules that matter here (single-flight per key, refresh ahead of expiry with the old token still
 * served, never served at or past its usable end) are a few lines over a Map; a general cache
 * (node-cache) has TTLs but not the single-flight or the refresh-ahead.
 */
export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Promise<Entry | IssuedToken>>();

  const store = (key: string, token: IssuedToken, plan: (t: IssuedToken) => CachePlan): Entry | IssuedToken => {
    if (token.expiresAt <= now()) throw new SidecarError('token_unavailable', 'the IdP issued a token that has already expired (check the clocks)');
    const p = plan(token);
    const entry: Entry = { token, refreshAt: p.refreshAt, usableUntil: Math.min(p.usableUntil, token.expiresAt) };
    // A token whose usable time is already over (a lifetime shorter than the margin) is handed out once, fresh, and not kept.
    if (entry.usableUntil <= now()) {
      entries.delete(key);
      return token;
    }
    if (!entries.has(key) && entries.size >= options.maxEntries) evictOne();
    entries.set(key, entry);
    return entry;
  };
  const evictOne = (): void => {
    let first: [string, Entry] | undefined;
    for (const e of entries) if (first === undefined || e[1].usableUntil < first[1].usableUntil) first = e;
    if (first) entries.delete(first[0]);
  };
  const flight = (key: string, fetch: () => Promise<IssuedToken>, plan: (t: IssuedToken) => CachePlan): Promise<Entry | IssuedToken> => {
    let p = inflight.get(key);
    if (!p) {
      p = fetch()
        .then((token) => store(key, token, plan))
        .finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };

  return {
    async get(key, fetch, plan) {
      const t = now();
      const cached = entries.get(key);
      if (cached && t < cached.usableUntil) {
        if (t >= cached.refreshAt && !inflight.has(key)) {
          options.onRefresh?.(key, 'started');
          flight(key, fetch, plan).then(
            () => options.onRefresh?.(key, 'ok'),
            (err: unknown) => {
              // The old token stays while usable; the next refresh waits a little, so a failing IdP is not asked on every lookup.
              const still = entries.get(key);
              if (still === cached) entries.set(key, { ...cached, refreshAt: now() + REFRESH_RETRY_MS });
              options.onRefresh?.(key, 'failed', err);
            },
          );
        }
        return { token: cached.token, outcome: 'hit' };
      }
      if (cached) entries.delete(key);
      const got = await flight(key, fetch, plan);
      const token = 'token' in got ? got.token : got;
      // A waiter that joined late must not get a token that lapsed while it waited.
      if (token.expiresAt <= now()) throw new SidecarError('token_unavailable', 'the token expired before it could be handed out');
      return { token, outcome: 'miss' };
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
