import { SidecarError } from '../../errors/sidecar-error.ts';
import type { Loaded } from '../claims-cache.ts';
import type { Sealed } from './seal-entry.ts';
import type { SharedClaims, SharedClaimsTier, SharedRefusal } from './shared-tier.ts';

export interface ThroughOptions {
  readonly tier: SharedClaimsTier;
  /** The subject id (claims-cache.ts subjectId). */
  readonly subject: string;
  /** The local cache key, the field of the entry in the subject's hash. */
  readonly field: string;
  /** The fetcher's refusal key of this token. */
  readonly refusalKey: string;
  /** The token's `exp` in ms: a shared entry, filled with another token, is not kept locally past it. */
  readonly expMs: number;
  readonly negativeTtlSeconds: number;
  readonly now: () => number;
}

/**
 * What the local tier runs on a miss when the shared tier is on: the shared entry when it is
 * fresh; otherwise the fleet single-flight (one replica calls the IdP, the others wait for its
 * entry, at most `claims.shared.lockWaitMs`), then `load` (the IdP), whose answer fills the shared
 * tier for the others. A shared refusal of this token is a refusal; a stale shared entry is served
 * (origin `stale`) only when the IdP fails with `claims_unavailable`, as the local tier does. Any
 * Redis trouble reads as a miss (shared-tier.ts), so this falls back to exactly the single-process
 * path: nothing is allowed or denied because of Redis.
 */
export async function loadThroughShared(o: ThroughOptions, load: () => Promise<Loaded>): Promise<Loaded> {
  const { tier, now } = o;
  const fromShared = (e: Sealed<SharedClaims>): Loaded => ({
    value: { claims: e.payload.claims, roles: e.payload.roles },
    ttlSeconds: (Math.min(e.freshUntil, o.expMs) - now()) / 1000,
    subject: o.subject,
    bytes: e.payload.bytes,
    origin: 'shared',
  });
  const refused = (r: SharedRefusal): SidecarError => new SidecarError('claims_rejected', `${r.message} (remembered refusal, shared)`);

  const first = await tier.read(o.subject, o.field, o.refusalKey);
  if (first.refusal) throw refused(first.refusal);
  if (first.entry && now() < first.entry.freshUntil) return fromShared(first.entry);
  const stale = first.entry;

  const lock = await tier.lock(o.subject, o.field);
  if (lock.role === 'follower') {
    const waited = await tier.waitFor(o.subject, o.field, o.refusalKey);
    if (waited?.refusal) throw refused(waited.refusal);
    if (waited?.entry) return fromShared(waited.entry);
  }
  const release = (): void => {
    if (lock.role === 'leader') lock.release();
  };
  let loaded: Loaded;
  try {
    loaded = await load();
  } catch (err) {
    release();
    const code = err instanceof SidecarError ? err.code : undefined;
    if (code === 'claims_rejected') void tier.rememberRefusal(o.refusalKey, { code, message: (err as Error).message }, o.negativeTtlSeconds);
    if (code === 'claims_unavailable' && stale && now() < stale.staleUntil) {
      return { ...fromShared(stale), ttlSeconds: 0, origin: 'stale', staleReason: (err as Error).message };
    }
    throw err;
  }
  if (loaded.ttlSeconds > 0) {
    const freshUntil = now() + loaded.ttlSeconds * 1000;
    const entry = { freshUntil, staleUntil: freshUntil + tier.settings.staleIfErrorSeconds * 1000, payload: { ...loaded.value, bytes: loaded.bytes } };
    // Not awaited: the request has its answer; the lock is released once the others can read the entry.
    void tier.write(o.subject, o.field, entry).finally(release);
  } else {
    release();
  }
  return loaded;
}
