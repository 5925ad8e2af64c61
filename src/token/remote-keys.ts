import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from 'jose';
import { httpGet } from '../lib/http-get.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import { filterJwks } from './filter-jwks.ts';

export interface RemoteKeysOptions {
  readonly jwksUri: string;
  readonly timeoutMs: number;
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
  readonly maxBytes?: number;
  readonly onRefused?: (kid: string | undefined, reason: string) => void;
  /** Called after every JWKS fetch: `ok` is false for a network error, timeout, oversize, non-200 or non-JSON answer. */
  readonly onFetch?: (ok: boolean) => void;
}

/**
 * The issuer's keys, plus what a cache of verifications needs to stay no weaker than verifying every
 * time (src/token/verified-token-cache.ts): whether a key may have been removed since a verification began.
 */
export interface RemoteKeys extends JWTVerifyGetKey {
  /**
   * A number that changes whenever a fetched JWKS lacks a key the previous one had. Undefined while such a
   * set is fetched but may not be in use yet: a verification begun then may rest on the removed key.
   */
  keySetEpoch(): number | undefined;
  /**
   * Refetches the set in the background when it is older than `cacheMaxAgeMs` (at most once per
   * `cooldownMs`, and at most once a second), so a removal is seen even when every request is answered
   * from cached verifications.
   */
  refreshIfStale(): void;
}

/** One JWK as text with its members in a fixed order: equal keys give equal text. */
const identityOf = (jwk: Record<string, unknown>): string => JSON.stringify(Object.keys(jwk).sort().map((k) => [k, jwk[k]]));

/**
 * The issuer's key set through jose's remote JWKS (cooldown, max age, coalesced refreshes),
 * fetched over undici with a deadline and a size cap, weak keys removed before jose sees them.
 * Key resolution failures that are not the token's fault (timeout, network, bad JWKS) become
 * `keys_unavailable` (503), so a caller is not told to re-authenticate when the IdP is down.
 */
export function createRemoteKeys(options: RemoteKeysOptions): RemoteKeys {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  let known: ReadonlySet<string> = new Set();
  let epoch = 0;
  let removalPending = false;
  let lastBackgroundRefresh = -Infinity;
  const noteKeySet = (jwks: { keys: Array<Record<string, unknown>> }): void => {
    const next = new Set(jwks.keys.map(identityOf));
    for (const id of known) {
      if (!next.has(id)) {
        epoch++;
        // jose applies the new set a few turns later (after the body is read): until its fetch settles,
        // a key lookup may still find the removed key.
        removalPending = true;
        break;
      }
    }
    known = next;
  };
  const jwks = createRemoteJWKSet(new URL(options.jwksUri), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    [customFetch]: async (url) => {
      let res;
      try {
        res = await httpGet(url, { timeoutMs: options.timeoutMs, maxBytes });
      } catch (err) {
        options.onFetch?.(false);
        throw err;
      }
      let body = res.body.toString('utf8');
      let ok = res.status === 200;
      if (ok) {
        try {
          const filtered = filterJwks(JSON.parse(body), options.onRefused);
          body = JSON.stringify(filtered);
          // filterJwks keeps only object members in `keys`: jose accepts such a set, so it is the one in use next.
          if (isKeySet(filtered)) noteKeySet(filtered);
        } catch {
          // Left as is: jose reports the malformed JWKS itself.
          ok = false;
        }
      }
      options.onFetch?.(ok);
      return new Response(body, { status: res.status, headers: { 'content-type': res.contentType } });
    },
  });
  const getKey: JWTVerifyGetKey = async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      if (err instanceof errors.JOSENotSupported || err instanceof errors.JOSEAlgNotAllowed) throw err;
      throw new SidecarError('keys_unavailable', `the issuer's signing keys could not be fetched: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  return Object.assign(getKey, {
    keySetEpoch: (): number | undefined => {
      if (removalPending) {
        if (jwks.reloading) return undefined;
        removalPending = false;
      }
      return epoch;
    },
    refreshIfStale: (): void => {
      if (jwks.fresh || jwks.reloading) return;
      const now = performance.now();
      if (now - lastBackgroundRefresh < Math.max(options.cooldownMs, 1000)) return;
      lastBackgroundRefresh = now;
      // A failure is reported by onFetch (the component's status); cached verifications keep their TTL.
      jwks.reload().catch(() => undefined);
    },
  });
}

const isKeySet = (v: unknown): v is { keys: Array<Record<string, unknown>> } =>
  typeof v === 'object' && v !== null && Array.isArray((v as { keys?: unknown }).keys);
