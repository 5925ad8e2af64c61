import { Pool } from 'undici';
import { SidecarError } from '../errors/sidecar-error.ts';
import { mediaType } from '../lib/http-get.ts';

export interface UserinfoOptions {
  readonly endpoint: string;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly connections: number;
}

export interface UserinfoClient {
  /** Calls userinfo with the caller's bearer token; returns the claims object. */
  fetch(token: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * OIDC userinfo over a keep-alive undici Pool with explicit connect, headers and body timeouts
 * and a response size cap (undici's defaults are 300 s and unlimited). Every failure is a
 * SidecarError: `claims_rejected` when the IdP refuses the token (401/403), otherwise
 * `claims_unavailable`. Redirects are not followed (a 3xx is a failure).
 */
export function createUserinfoClient(options: UserinfoOptions): UserinfoClient {
  const url = new URL(options.endpoint);
  const pool = new Pool(url.origin, {
    connections: options.connections,
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    maxResponseSize: options.maxResponseBytes,
    pipelining: 1,
  });
  const path = url.pathname + url.search;
  // An overall deadline as well: headers/body timeouts bound each wait, not a slow trickle.
  const deadlineMs = options.connectTimeoutMs + options.headersTimeoutMs + options.bodyTimeoutMs;
  // undici runs its headers/body timers on a ~0.5 s tick, so a 150 ms headersTimeout fired after
  // ~0.9 s: the wait for headers gets its own exact timer (connect + headers time).
  const headersDeadlineMs = options.connectTimeoutMs + options.headersTimeoutMs;

  return {
    async fetch(token) {
      let status: number;
      let contentType: string;
      let text: string;
      const headersWait = new AbortController();
      const headersTimer = setTimeout(
        () => headersWait.abort(new DOMException('userinfo response headers timed out', 'TimeoutError')),
        headersDeadlineMs,
      );
      try {
        const res = await pool.request({
          path,
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          signal: AbortSignal.any([AbortSignal.timeout(deadlineMs), headersWait.signal]),
        });
        clearTimeout(headersTimer);
        status = res.statusCode;
        const ct = res.headers['content-type'];
        contentType = (Array.isArray(ct) ? ct[0] : ct) ?? '';
        text = await res.body.text();
      } catch (err) {
        throw new SidecarError('claims_unavailable', `userinfo request failed: ${describe(err)}`, { cause: err });
      } finally {
        clearTimeout(headersTimer);
      }
      if (status === 401 || status === 403) {
        throw new SidecarError('claims_rejected', `the issuer refused the token at userinfo (${status})`);
      }
      if (status !== 200) throw new SidecarError('claims_unavailable', `userinfo answered ${status}`);
      const type = mediaType(contentType);
      if (type === 'application/jwt') throw new SidecarError('claims_unavailable', 'signed userinfo responses are not supported yet');
      if (type !== 'application/json') throw new SidecarError('claims_unavailable', `userinfo answered content-type '${type}', not JSON`);
      let claims: unknown;
      try {
        claims = JSON.parse(text);
      } catch {
        throw new SidecarError('claims_unavailable', 'userinfo answered malformed JSON');
      }
      if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
        throw new SidecarError('claims_unavailable', 'userinfo answered JSON that is not an object');
      }
      return claims as Record<string, unknown>;
    },
    close: () => pool.close(),
  };
}

function describe(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return 'timed out';
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timed out';
  if (e.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'response too large';
  return e.code ?? e.message ?? 'unknown error';
}
