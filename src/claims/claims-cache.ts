import { hash } from 'node:crypto';
import { SidecarError } from '../errors/sidecar-error.ts';
import { LruEntry, LruIndex } from '../lib/lru-index.ts';
import { ShardedMap, anyKeyShard } from '../lib/sharded-map.ts';

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
  /**
   * The fresh cached claims for `key`, counted as a hit and made the most recently used, or undefined
   * (then call getOrLoad). getOrLoad's own first step, without its promise and closures: the hot path's.
   */
  fresh(key: string): CachedClaims | undefined;
  /** A remembered refusal for `key`, if one is still live. */
  refusal(key: string): SidecarError | undefined;
  /** Remembered refusals held (expired ones included until met or swept): when 0, no key needs building to ask. */
  readonly refusals: number;
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

/** A cached answer, or a remembered refusal (`value` is then the SidecarError). */
class Entry extends LruEntry {
  readonly value: CachedClaims | SidecarError;
  /** In ms after the cache's `epoch` (a small integer, held in the entry rather than as a boxed double). */
  readonly freshUntil: number;
  /** Eviction key of the subject (subjectId); '' for a refusal. */
  readonly subject: string;
  readonly bytes: number;

  constructor(key: string, value: CachedClaims | SidecarError, freshUntil: number, subject: string, bytes: number) {
    super(key);
    this.value = value;
    this.freshUntil = freshUntil;
    this.subject = subject;
    this.bytes = bytes;
  }
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
  return hash('sha256', JSON.stringify([payload['iss'], payload['sub'], client, scope]), 'base64url');
}

const REFUSAL_BYTES = 256;
/**
 * Entries checked for expiry per sweep step: the sweep walks the entries a slice at a time (LruIndex.walk
 * resumes where it stopped), so its pause does not grow with the cache (a full walk of 1,000,000 entries
 * holds the event loop for tens of ms: scripts/measure-token-cache.ts; a slice of 5,000 at 1,000,000
 * entries, 1–3 ms: scripts/measure-subject-gc.ts, "longest sweep step").
 */
const SWEEP_SLICE = 5_000;

/**
 * A bounded LRU (src/lib/lru-index.ts: a hit moves the entry to the newest end) holding frozen values, with
 * single-flight loads, stale-if-error, remembered refusals and eviction by subject. Bounded twice:
 * `maxEntries`, and `maxBytes` of estimated heap, because one subject with 5,000 roles weighs as
 * much as 200 subjects with 10. Why not node-cache: it refuses new keys when full instead of
 * evicting, and has neither stale reads nor per-subject eviction.
 *
 * One closure on purpose (longer than 80 lines): the LRU index, the byte budget and the counters are private state every method shares; each method is short.
 */
export function createClaimsCache(options: ClaimsCacheOptions): ClaimsCache {
  const now = options.now ?? Date.now;
  const epoch = now();
  const staleMs = options.staleIfErrorSeconds * 1000;
  const entries = new LruIndex<Entry>();
  const inflight = new Map<string, Flight>();
  const sessions = new Map<string, string>();
  /** Subject → key of its claims stored last, for peekSubject. */
  const latest = new ShardedMap<string>(anyKeyShard);
  let bytes = 0;
  let refusals = 0;
  let lastSweep = 0;
  const s = { hits: 0, misses: 0, stale: 0, refusalsServed: 0, uncached: 0, evictedForSpace: 0, evictedBySubject: 0, expired: 0 };

  /** The cache's clock: ms after `epoch`. */
  const clock = (): number => now() - epoch;
  const answerOf = (e: Entry | undefined): CachedClaims | undefined => (e === undefined || e.value instanceof SidecarError ? undefined : e.value);
  // A refusal is never served stale; an answer is, for staleIfErrorSeconds past its freshness.
  const staleUntil = (e: Entry): number => (e.value instanceof SidecarError ? e.freshUntil : e.freshUntil + staleMs);
  const remove = (e: Entry): void => {
    entries.remove(e);
    bytes -= e.bytes;
    if (e.value instanceof SidecarError) refusals--;
    if (latest.get(e.subject) === e.key) latest.delete(e.subject);
  };
  const removeKey = (key: string): void => {
    const e = entries.get(key);
    if (e !== undefined) remove(e);
  };
  /** Checks the next SWEEP_SLICE entries (wrapping around), dropping expired ones. */
  const sweep = (): void => {
    lastSweep = now();
    const t = clock();
    entries.walk(SWEEP_SLICE, (e) => {
      if (t >= staleUntil(e)) {
        remove(e);
        s.expired++;
      }
    });
  };
  const store = (entry: Entry): boolean => {
    if (entry.bytes > options.maxBytes) return false;
    removeKey(entry.key);
    const full = (): boolean => entries.size >= options.maxEntries || bytes + entry.bytes > options.maxBytes;
    // Expired entries go first; a sweep step is bounded (SWEEP_SLICE), at most one per 100 ms under a flood.
    if (full() && now() - lastSweep >= 100) sweep();
    while (full()) {
      remove(entries.oldest()!);
      s.evictedForSpace++;
    }
    entries.add(entry);
    bytes += entry.bytes;
    if (entry.value instanceof SidecarError) refusals++;
    else latest.set(entry.subject, entry.key);
    return true;
  };
  const timer = setInterval(sweep, options.sweepIntervalMs ?? 1_000);
  timer.unref();

  const freshAnswer = (key: string): CachedClaims | undefined => {
    const cached = entries.get(key);
    const fresh = answerOf(cached);
    if (fresh === undefined || clock() >= cached!.freshUntil) return undefined;
    entries.use(cached!);
    s.hits++;
    return fresh;
  };

  return {
    fresh: freshAnswer,
    get refusals() {
      return refusals;
    },
    async getOrLoad(key, load, subjectHint) {
      const fresh = freshAnswer(key);
      if (fresh !== undefined) return { value: fresh, outcome: 'hit' };
      const cached = entries.get(key);
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
          const value = answerOf(old);
          if (value !== undefined && clock() < staleUntil(old!)) {
            s.stale++;
            return { value, outcome: 'stale', staleReason: (err as Error).message };
          }
        } else if (leader && (code === 'claims_rejected' || code === 'subject_mismatch')) {
          removeKey(key);
        }
        throw err;
      }
      if (loaded.origin === 'stale') {
        if (leader) s.stale++;
        return { value: loaded.value, outcome: 'stale', ...(loaded.staleReason === undefined ? {} : { staleReason: loaded.staleReason }) };
      }
      if (!leader) return { value: loaded.value, outcome: 'miss' };
      s.misses++;
      const freshUntil = clock() + Math.floor(loaded.ttlSeconds * 1000);
      const stored = loaded.ttlSeconds > 0 && !flight.invalidated && store(new Entry(key, Object.freeze(loaded.value), freshUntil, loaded.subject, loaded.bytes));
      if (!stored) {
        s.uncached++;
        return { value: loaded.value, outcome: 'uncached' };
      }
      return { value: loaded.value, outcome: loaded.origin === 'shared' ? 'shared' : 'miss' };
    },
    refusal(key) {
      const e = entries.get(key);
      if (e === undefined || !(e.value instanceof SidecarError)) return undefined;
      if (clock() >= e.freshUntil) {
        remove(e);
        return undefined;
      }
      s.refusalsServed++;
      return e.value;
    },
    remember(key, refusal, ttlSeconds) {
      if (ttlSeconds <= 0) return;
      store(new Entry(key, refusal, clock() + ttlSeconds * 1000, '', REFUSAL_BYTES));
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
      entries.forEach((e) => {
        if (e.subject === subject) {
          remove(e);
          n++;
        }
      });
      // A load that started before the logout must not put the pre-logout claims back.
      for (const f of inflight.values()) if (f.subject === subject || f.subject === undefined) f.invalidated = true;
      s.evictedBySubject += n;
      return n;
    },
    peekSubject(subject) {
      const key = latest.get(subject);
      const e = key === undefined ? undefined : entries.get(key);
      const value = answerOf(e);
      return value !== undefined && clock() < e!.freshUntil ? value : undefined;
    },
    get stats() {
      return { entries: entries.size, bytes, ...s };
    },
    close() {
      clearInterval(timer);
      entries.clear();
      latest.clear();
      inflight.clear();
      sessions.clear();
    },
  };
}
