export interface BucketRate {
  /** Tokens added per second; 0 means no limit. */
  readonly perSecond: number;
  /** Most tokens held: the burst allowed after a quiet spell. */
  readonly burst: number;
}

export interface TokenBuckets {
  /** Takes one token from `key`'s bucket: 0 when taken, otherwise the ms until one is there (nothing taken). */
  take(key: string): number;
  /** What take would answer, without taking. */
  wait(key: string): number;
  /** Buckets held: keys that took and have not refilled yet (at most maxKeys). */
  readonly size: number;
}

/**
 * Token buckets per key, in process. Bounded: at most `maxKeys` buckets, the least recently used going
 * first, and a bucket that has refilled is forgotten (a full bucket is the same as none). Why not a
 * library: this is ten lines, and the fleet-wide buckets (src/claims/shared/fleet-budget.ts) must compute
 * exactly the same thing in Lua.
 */
export function createTokenBuckets(rate: BucketRate, maxKeys: number, now: () => number): TokenBuckets {
  const buckets = new Map<string, { n: number; t: number }>();
  const perMs = rate.perSecond / 1000;
  const level = (key: string, t: number): number => {
    const b = buckets.get(key);
    return b === undefined ? rate.burst : Math.min(rate.burst, b.n + (t - b.t) * perMs);
  };
  const waitOf = (n: number): number => (n >= 1 ? 0 : Math.ceil((1 - n) / perMs));
  /**
   * Drops up to two of the least recently taken buckets that have refilled: a full bucket is the same as
   * none, and without this every subject ever seen kept one (141 B each: 141 MB of heap at a million
   * subjects). Two per take, so the map shrinks to the keys that took within a refill time, at a bounded
   * cost per call.
   */
  const forgetFull = (t: number): void => {
    for (let i = 0; i < 2; i++) {
      const oldest = buckets.keys().next();
      if (oldest.done === true || level(oldest.value, t) < rate.burst) return;
      buckets.delete(oldest.value);
    }
  };
  return {
    take(key) {
      if (rate.perSecond <= 0) return 0;
      const t = now();
      const n = level(key, t);
      const w = waitOf(n);
      if (w > 0) return w;
      buckets.delete(key);
      buckets.set(key, { n: n - 1, t });
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      forgetFull(t);
      return 0;
    },
    wait(key) {
      return rate.perSecond <= 0 ? 0 : waitOf(level(key, now()));
    },
    get size() {
      return buckets.size;
    },
  };
}
