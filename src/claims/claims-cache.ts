import { createHash } from 'node:crypto';
import { SidecarError } from '../errors/sidecar-error.ts';

export interface CachedClaims {
  /** Claims as the IdP answered them. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Roles read from those claims. */
  readonly roles: readonly string[];
}

/**
 * `stale`: the IdP failed and claims past their TTL were served, inside the stale-if-error window.
 * `shared`: a local miss answered by the fleet's shared tier (src/claims/shared/), no IdP call.
 */
export type CacheOutcome = 'hit' | 'miss' | 'uncached' | 'stale' | 'shared';

/** What a load produces; the TTL and subject are known only once the IdP has answered. */
export interface Loaded {
  readonly value: CachedClaims;
  /** Fresh lifetime, already bounded by the token's `exp`; ≤ 0 means "do not cache". */
  readonly ttlSeconds: number;
  /** Eviction key of the subject (see subjectId); logout and the admin endpoint evict by it. */
  readonly subject: string;
  /** Estimated heap size of the entry. */
  readonly bytes: number;
  /**
   * Set when the value did not come from the IdP just now: `shared`, a fresh entry of the shared
   * tier; `stale`, a shared entry past its TTL, served because the IdP failed (never stored locally).
   */
  readonly origin?: 'shared' | 'stale';
  readonly staleReason?: string;
}

export interface LoadResult {
  readonly value: CachedClaims;
  readonly outcome: CacheOutcome;
  /** Why stale claims were served (the failure of the refresh). */
  readonly staleReason?: string;
}

export interface ClaimsCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly staleIfErrorSeconds: number;
  readonly now?: () => number;
  /** How often a bounded slice of the entries is checked for expiry (default 1 s; see SWEEP_SLICE). */
  readonly sweepIntervalMs?: number;
}

export interface ClaimsCacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
  readonly refusalsServed: number;
  /** Fetched claims not kept: TTL ≤ 0, larger than the whole budget, or evicted while loading. */
  readonly uncached: number;
  /** Live entries dropped to make room (least recently used first). */
  readonly evictedForSpace: number;
  readonly evictedBySubject: number;
  readonly expired: number;
}

export interface ClaimsCache {
  /**
   * Fresh cached claims for `key`, or `load` run once for all concurrent callers of the key. When
   * the load fails with `claims_unavailable` and the entry is inside its stale-if-error window,
   * the stale claims are returned instead; a refusal (`claims_rejected`, `subject_mismatch`)
   * removes the entry, so old claims are not served for a subject the IdP just refused.
   */
  getOrLoad(key: string, load: () => Promise<Loaded>, subjectHint?: string): Promise<LoadResult>;
  /** A remembered refusal for `key`, if one is still live. */
  refusal(key: string): SidecarError | undefined;
  remember(key: string, refusal: SidecarError, ttlSeconds: number): void;
  /** Notes which subject a session id belongs to, so a logout token with only `sid` can evict. */
  noteSession(sid: string, subject: string): void;
  subjectOfSession(sid: string): string | undefined;
  /** Removes every entry of a subject, and keeps loads in flight for it from being stored. */
  evictSubject(subject: string): number;
  /**
   * The fresh claims last stored for a subject (see subjectId), whatever the client and scope of the
   * token that fetched them, or undefined. A look without loading: for a subject asserted by an
   * AuthZEN enforcement point, which sends no token to fetch with. Does not change the LRU order.
   */
  peekSubject(subject: string): CachedClaims | undefined;
  readonly stats: ClaimsCacheStats;
  close(): void;
}

interface Entry {
  readonly value: CachedClaims | undefined;
  readonly refusal: SidecarError | undefined;
  readonly freshUntil: number;
  readonly staleUntil: number;
  readonly subject: string;
  readonly bytes: number;
}

interface Flight {
  readonly promise: Promise<Loaded>;
  invalidated: boolean;
  subject: string | undefined;
}

/** The eviction identity of a subject: issuer and `sub`. */
export function subjectId(iss: string, sub: string): string {
  return JSON.stringify([iss, sub]);
}

/**
 * The cache key of a subject's userinfo claims: a hash of (iss, sub, azp or client_id, scope),
 * never the token, so a token string is not kept as a key and one subject's claims are shared by
 * its tokens with the same client and scope (userinfo answers depend on both).
 */
export function claimsCacheKey(payload: Record<string, unknown>): string {
  const client = typeof payload['azp'] === 'string' ? payload['azp'] : typeof payload['client_id'] === 'string' ? payload['client_id'] : '';
  const scope = typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean).sort().join(' ') : '';
  return createHash('sha256').update(JSON.stringify([payload['iss'], payload['sub'], client, scope])).digest('base64url');
}

/**
 * The key of something that is about one token (an introspection answer, a refusal): its SHA-256,
 * so the token itself is never held as a key.
 */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

const REFUSAL_BYTES = 256;
/**
 * Entries checked for expiry per sweep step: the sweep walks the map a slice at a time (a live Map
 * iterator resumes where it stopped), so its pause does not grow with the cache (a full walk of
 * 1,000,000 entries holds the event loop for tens of ms: scripts/measure-token-cache.ts).
 */
const SWEEP_SLICE = 5_000;

/**
 * A bounded LRU map (insertion order of a Map, refreshed on every hit) holding frozen values, with
 * single-flight loads, stale-if-error, remembered refusals and eviction by subject. Bounded twice:
 * `maxEntries`, and `maxBytes` of estimated heap, because one subject with 5,000 roles weighs as
 * much as 200 subjects with 10. Why not node-cache: it refuses new keys when full instead of
 * evicting, and has neither stale reads nor per-subject eviction.
 *
 * One closure on purpose (longer than 80 lines): the LRU map, the byte budget and the counters are private state every method shares; each method is short.
 */
export function createClaimsCache(options: ClaimsCacheOptions): ClaimsCache {
  const now = options.now ?? Date.now;
  const staleMs = options.staleIfErrorSeconds * 1000;
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Flight>();
  const sessions = new Map<string, string>();
  /** Subject → key of its claims stored last, for peekSubject. */
  const latest = new Map<string, string>();
  let bytes = 0;
  let lastSweep = 0;
  const s = { hits: 0, misses: 0, stale: 0, refusalsServed: 0, uncached: 0, evictedForSpace: 0, evictedBySubject: 0, expired: 0 };

  const remove = (key: string): void => {
    const e = entries.get(key);
    if (e === undefined) return;
    entries.delete(key);
    bytes -= e.bytes;
    if (latest.get(e.subject) === key) latest.delete(e.subject);
  };
  let cursor: MapIterator<[string, Entry]> | undefined;
  /** Checks the next SWEEP_SLICE entries (wrapping around), dropping expired ones. */
  const sweep = (): void => {
    const t = now();
    lastSweep = t;
    cursor ??= entries.entries();
    for (let n = 0; n < SWEEP_SLICE; n++) {
      const next = cursor.next();
      if (next.done) {
        cursor = undefined;
        return;
      }
      const [key, e] = next.value;
      if (t >= e.staleUntil) {
        remove(key);
        s.expired++;
      }
    }
  };
  const store = (key: string, entry: Entry): boolean => {
    if (entry.bytes > options.maxBytes) return false;
    remove(key);
    const full = (): boolean => entries.size >= options.maxEntries || bytes + entry.bytes > options.maxBytes;
    // Expired entries go first; a sweep step is bounded (SWEEP_SLICE), at most one per 100 ms under a flood.
    if (full() && now() - lastSweep >= 100) sweep();
    while (full()) {
      const oldest = entries.keys().next().value as string;
      remove(oldest);
      s.evictedForSpace++;
    }
    entries.set(key, entry);
    bytes += entry.bytes;
    if (entry.value !== undefined) latest.set(entry.subject, key);
    return true;
  };
  const timer = setInterval(sweep, options.sweepIntervalMs ?? 1_000);
  timer.unref();

  return {
    async getOrLoad(key, load, subjectHint) {
      const cached = entries.get(key);
      if (cached?.value !== undefined && now() < cached.freshUntil) {
        // Refresh the LRU position: delete and re-insert moves the key to the end.
        entries.delete(key);
        entries.set(key, cached);
        s.hits++;
        return { value: cached.value, outcome: 'hit' };
      }
      let flight = inflight.get(key);
      const leader = flight === undefined;
      if (flight === undefined) {
        const f: Flight = { promise: load(), invalidated: false, subject: subjectHint ?? cached?.subject };
        flight = f;
        inflight.set(key, f);
        f.promise.then(
          (l) => (f.subject = l.subject),
          () => undefined,
        ).finally(() => {
          if (inflight.get(key) === f) inflight.delete(key);
        });
      }
      let loaded: Loaded;
      try {
        loaded = await flight.promise;
      } catch (err) {
        const code = err instanceof SidecarError ? err.code : undefined;
        if (code === 'claims_unavailable') {
          const old = entries.get(key);
          if (old?.value !== undefined && now() < old.staleUntil) {
            s.stale++;
            return { value: old.value, outcome: 'stale', staleReason: (err as Error).message };
          }
        } else if (leader && (code === 'claims_rejected' || code === 'subject_mismatch')) {
          remove(key);
        }
        throw err;
      }
      if (loaded.origin === 'stale') {
        if (leader) s.stale++;
        return { value: loaded.value, outcome: 'stale', ...(loaded.staleReason === undefined ? {} : { staleReason: loaded.staleReason }) };
      }
      if (!leader) return { value: loaded.value, outcome: 'miss' };
      s.misses++;
      const t = now();
      const freshUntil = t + Math.floor(loaded.ttlSeconds * 1000);
      const stored =
        loaded.ttlSeconds > 0 &&
        !flight.invalidated &&
        store(key, { value: Object.freeze(loaded.value), refusal: undefined, freshUntil, staleUntil: freshUntil + staleMs, subject: loaded.subject, bytes: loaded.bytes });
      if (!stored) {
        s.uncached++;
        return { value: loaded.value, outcome: 'uncached' };
      }
      return { value: loaded.value, outcome: loaded.origin === 'shared' ? 'shared' : 'miss' };
    },
    refusal(key) {
      const e = entries.get(key);
      if (e?.refusal === undefined) return undefined;
      if (now() >= e.freshUntil) {
        remove(key);
        return undefined;
      }
      s.refusalsServed++;
      return e.refusal;
    },
    remember(key, refusal, ttlSeconds) {
      if (ttlSeconds <= 0) return;
      const until = now() + ttlSeconds * 1000;
      store(key, { value: undefined, refusal, freshUntil: until, staleUntil: until, subject: '', bytes: REFUSAL_BYTES });
    },
    noteSession(sid, subject) {
      if (sessions.get(sid) === subject) return;
      sessions.delete(sid);
      sessions.set(sid, subject);
      if (sessions.size > options.maxEntries) sessions.delete(sessions.keys().next().value as string);
    },
    subjectOfSession: (sid) => sessions.get(sid),
    evictSubject(subject) {
      let n = 0;
      for (const [key, e] of entries) {
        if (e.subject === subject) {
          remove(key);
          n++;
        }
      }
      // A load that started before the logout must not put the pre-logout claims back.
      for (const f of inflight.values()) if (f.subject === subject || f.subject === undefined) f.invalidated = true;
      s.evictedBySubject += n;
      return n;
    },
    peekSubject(subject) {
      const key = latest.get(subject);
      const e = key === undefined ? undefined : entries.get(key);
      return e?.value !== undefined && now() < e.freshUntil ? e.value : undefined;
    },
    get stats() {
      return { entries: entries.size, bytes, ...s };
    },
    close() {
      clearInterval(timer);
      cursor = undefined;
      entries.clear();
      latest.clear();
      inflight.clear();
      sessions.clear();
    },
  };
}
