import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * The two keys derived from the fleet key: one authenticates, one encrypts (never the same key for both).
 * KeyObjects, made once: createHmac and createDecipheriv with a KeyObject skip importing raw key bytes on
 * every call, which halved the cost of opening an entry on a shared hit (docs/fleet.md, "A shared hit's cost").
 */
export interface SealKeys {
  readonly mac: KeyObject;
  readonly enc: KeyObject;
}

/** What an entry says about itself: until when it is fresh and until when it may be served stale. */
export interface Sealed<T> {
  readonly freshUntil: number;
  readonly staleUntil: number;
  readonly payload: T;
}

/** `forged`: the MAC, the AEAD tag or the format does not check out. `expired`: authentic, but past `staleUntil`. */
export type Opened<T> = { readonly ok: true; readonly entry: Sealed<T> } | { readonly ok: false; readonly why: 'forged' | 'expired' };

const VERSION = 'v1';

/** HKDF-SHA256 (RFC 5869) from the fleet key, with distinct `info` labels so the MAC and cipher keys are independent. */
export function deriveSealKeys(fleetKey: Buffer): SealKeys {
  const derive = (label: string): KeyObject => createSecretKey(Buffer.from(hkdfSync('sha256', fleetKey, Buffer.alloc(0), `authz-sidecar claims.shared ${label} ${VERSION}`, 32)));
  return { mac: derive('mac'), enc: derive('enc') };
}

/**
 * Seals `payload` for one place in Redis (`binding`: the key and field it is written under).
 * Format `v1.<freshUntil>.<staleUntil>.<iv>.<ciphertext>.<tag>.<mac>`: AES-256-GCM over the JSON
 * (the binding and times as associated data), then HMAC-SHA256 over the binding and everything
 * before the MAC. So an entry written without the fleet key, altered, copied under another key
 * (another subject) or kept past its `staleUntil` does not open. Why both GCM and an HMAC: the
 * entries hold every role of a user (encrypted so a Redis reader learns nothing), and the HMAC,
 * checked first in constant time, refuses a forgery before any decryption is tried.
 */
export function sealEntry<T>(keys: SealKeys, binding: string, entry: Sealed<T>): string {
  const head = `${VERSION}.${Math.floor(entry.freshUntil)}.${Math.floor(entry.staleUntil)}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.enc, iv);
  cipher.setAAD(Buffer.from(`${binding}\n${head}`));
  const ct = Buffer.concat([cipher.update(JSON.stringify(entry.payload), 'utf8'), cipher.final()]);
  const body = `${head}.${iv.toString('base64url')}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  return `${body}.${mac(keys, binding, body)}`;
}

/** Opens what sealEntry made for the same `binding`; anything else is `forged`. `now` checks the expiry. */
export function openEntry<T>(keys: SealKeys, binding: string, raw: string, now: number): Opened<T> {
  const forged = { ok: false, why: 'forged' } as const;
  const parts = raw.split('.');
  if (parts.length !== 7 || parts[0] !== VERSION) return forged;
  const [, fresh, stale, iv, ct, tag, given] = parts as [string, string, string, string, string, string, string];
  const expected = Buffer.from(mac(keys, binding, parts.slice(0, 6).join('.')), 'base64url');
  const got = Buffer.from(given, 'base64url');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return forged;
  const freshUntil = Number(fresh);
  const staleUntil = Number(stale);
  if (!Number.isSafeInteger(freshUntil) || !Number.isSafeInteger(staleUntil) || staleUntil < freshUntil) return forged;
  if (now >= staleUntil) return { ok: false, why: 'expired' };
  let payload: T;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.enc, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${binding}\n${VERSION}.${fresh}.${stale}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    payload = JSON.parse(Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')) as T;
  } catch {
    return forged;
  }
  return { ok: true, entry: { freshUntil, staleUntil, payload } };
}

function mac(keys: SealKeys, binding: string, body: string): string {
  return createHmac('sha256', keys.mac).update(binding).update('\n').update(body).digest('base64url');
}
