import { SidecarError } from '../errors/sidecar-error.ts';
import { createIdpPool, parseJsonObject, type IdpHttpOptions } from './idp-pool.ts';

export interface UserinfoOptions extends IdpHttpOptions {
  readonly endpoint: string;
  /** Verifies an `application/jwt` answer (see createSignedUserinfoVerifier); JSON only when absent. */
  readonly verifySigned?: (jwt: string) => Promise<Record<string, unknown>>;
}

/** What a claims source returns: the claims object and the answer's size (for the cache's memory budget). */
export interface FetchedClaims {
  readonly claims: Record<string, unknown>;
  readonly bytes: number;
}

export interface ClaimsClient {
  fetch(token: string): Promise<FetchedClaims>;
  close(): Promise<void>;
}

/**
 * OIDC userinfo with the caller's bearer token. `claims_rejected` when the IdP refuses the token
 * (401/403); every other failure (transport, timeout, 3xx, 5xx, non-JSON, malformed or oversized
 * JSON, a signed answer that fails verification, an encrypted answer) is `claims_unavailable`.
 */
export function createUserinfoClient(options: UserinfoOptions): ClaimsClient {
  const pool = createIdpPool(options.endpoint, options);
  const accept = options.verifySigned ? 'application/json, application/jwt' : 'application/json';
  return {
    async fetch(token) {
      const res = await pool.request('userinfo', { method: 'GET', headers: { authorization: `Bearer ${token}`, accept } });
      if (res.status === 401 || res.status === 403) {
        throw new SidecarError('claims_rejected', `the issuer refused the token at userinfo (${res.status})`);
      }
      if (res.status === 429 || (res.status === 503 && res.retryAfterSeconds !== undefined)) {
        // The IdP's own rate limit: its Retry-After pauses this endpoint (src/claims/idp-budget.ts).
        throw new SidecarError('claims_unavailable', `userinfo answered ${res.status}`, { retryAfterSeconds: res.retryAfterSeconds ?? 1 });
      }
      if (res.status !== 200) throw new SidecarError('claims_unavailable', `userinfo answered ${res.status}`);
      if (res.type === 'application/jwt') {
        if (!options.verifySigned) throw new SidecarError('claims_unavailable', 'userinfo answered a signed JWT, which needs claims.clientId (its aud) to be verified');
        return { claims: await options.verifySigned(res.text.trim()), bytes: res.bytes };
      }
      if (res.type !== 'application/json') throw new SidecarError('claims_unavailable', `userinfo answered content-type '${res.type}', not JSON`);
      return { claims: parseJsonObject('userinfo', res.text), bytes: res.bytes };
    },
    close: () => pool.close(),
  };
}
