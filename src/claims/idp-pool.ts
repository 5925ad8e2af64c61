import { Pool } from 'undici';
import { SidecarError } from '../errors/sidecar-error.ts';
import { mediaType } from '../lib/http-get.ts';

export interface IdpHttpOptions {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly connections: number;
}

export interface IdpAnswer {
  readonly status: number;
  /** Lower-cased media type without parameters (`application/json`). */
  readonly type: string;
  readonly text: string;
  /** Size of the body in bytes, for the cache's memory estimate. */
  readonly bytes: number;
  /** A 429's or 503's `Retry-After`, in seconds (delta-seconds or an HTTP-date, RFC 9110 §10.2.3). */
  readonly retryAfterSeconds?: number | undefined;
}

export interface IdpPool {
  /** One exchange with the endpoint (or another `path` of its origin); every transport failure is `claims_unavailable`. */
  request(what: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; path?: string }): Promise<IdpAnswer>;
  close(): Promise<void>;
}

/**
 * A keep-alive undici Pool to one IdP endpoint with explicit connect, headers and body timeouts,
 * an overall deadline and a response size cap (undici's defaults are 300 s and unlimited).
 * Redirects are not followed: a 3xx reaches the caller as a status.
 */
export function createIdpPool(endpoint: string, options: IdpHttpOptions): IdpPool {
  const url = new URL(endpoint);
  const pool = new Pool(url.origin, {
    connections: options.connections,
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    maxResponseSize: options.maxResponseBytes,
    pipelining: 1,
  });
  const path = url.pathname + url.search;
  // The headers/body timeouts bound each wait, not a slow trickle: one deadline bounds the whole call.
  const deadlineMs = options.connectTimeoutMs + options.headersTimeoutMs + options.bodyTimeoutMs;
  // undici runs its headers/body timers on a ~0.5 s tick, so a 150 ms headersTimeout fired after
  // ~0.9 s: the wait for headers gets its own exact timer (connect + headers time).
  const headersDeadlineMs = options.connectTimeoutMs + options.headersTimeoutMs;

  return {
    async request(what, init) {
      // One controller and two plain timers per call, not AbortSignal.timeout and AbortSignal.any: those register
      // every signal in FinalizationRegistries and hold WeakRefs, which live until a full GC runs their cleanup.
      // With one IdP call per new subject, a heap snapshot of the benchmark's sidecar after a 100,000-subject fill
      // held about one WeakRef and one registry cell per subject (bench/README.md, "After this run").
      const abort = new AbortController();
      const headersTimer = setTimeout(() => abort.abort(new DOMException(`${what} response headers timed out`, 'TimeoutError')), headersDeadlineMs);
      const deadline = setTimeout(() => abort.abort(new DOMException(`${what} timed out`, 'TimeoutError')), deadlineMs);
      try {
        const res = await pool.request({ path, ...init, signal: abort.signal });
        clearTimeout(headersTimer);
        const ct = res.headers['content-type'];
        const body = Buffer.from(await res.body.arrayBuffer());
        const retryAfter = retryAfterSeconds(res.headers['retry-after']);
        return {
          status: res.statusCode,
          type: mediaType((Array.isArray(ct) ? ct[0] : ct) ?? ''),
          text: body.toString('utf8'),
          bytes: body.length,
          ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
        };
      } catch (err) {
        throw new SidecarError('claims_unavailable', `${what} request failed: ${describe(err)}`, { cause: err });
      } finally {
        clearTimeout(headersTimer);
        clearTimeout(deadline);
      }
    },
    close: () => pool.close(),
  };
}

/** Retry-After as seconds from now; undefined when absent or unreadable. */
function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const first = Array.isArray(header) ? header[0] : header;
  if (first === undefined) return undefined;
  const value = first.trim();
  if (/^\d{1,9}$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Parses a JSON object answer; anything else is `claims_unavailable` naming what was wrong. */
export function parseJsonObject(what: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SidecarError('claims_unavailable', `${what} answered malformed JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SidecarError('claims_unavailable', `${what} answered JSON that is not an object`);
  }
  return value as Record<string, unknown>;
}

function describe(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return 'timed out';
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timed out';
  if (e.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'response too large';
  if (e.code === 'UND_ERR_SOCKET' || e.code === 'ECONNRESET') return 'connection reset';
  return e.code ?? e.message ?? 'unknown error';
}
