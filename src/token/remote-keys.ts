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
 * The issuer's key set through jose's remote JWKS (cooldown, max age, coalesced refreshes),
 * fetched over undici with a deadline and a size cap, weak keys removed before jose sees them.
 * Key resolution failures that are not the token's fault (timeout, network, bad JWKS) become
 * `keys_unavailable` (503), so a caller is not told to re-authenticate when the IdP is down.
 */
export function createRemoteKeys(options: RemoteKeysOptions): JWTVerifyGetKey {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
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
          body = JSON.stringify(filterJwks(JSON.parse(body), options.onRefused));
        } catch {
          // Left as is: jose reports the malformed JWKS itself.
          ok = false;
        }
      }
      options.onFetch?.(ok);
      return new Response(body, { status: res.status, headers: { 'content-type': res.contentType } });
    },
  });
  return async (header, token) => {
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
}
