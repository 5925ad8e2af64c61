import { SidecarError } from '../errors/sidecar-error.ts';

export interface AudienceRate {
  /** Takes one request for `audience` from its bucket; `rate_limited` (429) when the bucket is empty. */
  take(audience: string): void;
}

/** Distinct audiences tracked; beyond it the fullest buckets (idle audiences) are forgotten first. */
const MAX_AUDIENCES = 10000;

/**
 * A token bucket per audience: `perMinute` requests of burst, refilled continuously at `perMinute`
 * per minute. Why per audience: one misbehaving caller loop for one destination must not spend the
 * IdP's patience (or the sidecar's) for every other destination. Hand-written: a bucket is three
 * numbers, and the audiences (caller-chosen strings) must stay bounded in memory.
 */
export function createAudienceRate(perMinute: number, now: () => number = Date.now): AudienceRate {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = perMinute / 60000;
  return {
    take(audience) {
      const t = now();
      let b = buckets.get(audience);
      if (b) {
        b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * perMs);
        b.at = t;
      } else {
        if (buckets.size >= MAX_AUDIENCES) forgetFull(buckets, t, perMinute, perMs);
        b = { tokens: perMinute, at: t };
        buckets.set(audience, b);
      }
      if (b.tokens < 1) throw new SidecarError('rate_limited', `more than ${perMinute} token requests to the IdP per minute for this audience (tokens.ratePerMinute)`);
      b.tokens -= 1;
    },
  };
}

/** Drops the buckets that have refilled (they hold no state worth keeping); if none has, the oldest. */
function forgetFull(buckets: Map<string, { tokens: number; at: number }>, t: number, cap: number, perMs: number): void {
  for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= cap) buckets.delete(k);
  if (buckets.size >= MAX_AUDIENCES) buckets.delete(buckets.keys().next().value!);
}
