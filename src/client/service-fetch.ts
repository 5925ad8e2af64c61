import { Agent, request } from 'node:http';
import { DEFAULT_SIDECAR_URL, parseTarget, read } from './authz-client.ts';
import { deadlineSignal } from './deadline-signal.ts';

/** Why no token could be had: the sidecar's stable code (`token_refused`, `rate_limited`, …) or the client's own. */
export class ServiceTokenError extends Error {
  readonly code: string;
  /** The sidecar's HTTP status; 0 when it gave no answer. */
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'ServiceTokenError';
    this.code = code;
    this.status = status;
  }
}

export interface ServiceFetchOptions {
  /** The sidecar: `http://127.0.0.1:8181` (default, or `AUTHZ_SIDECAR_URL`) or `unix:/run/authz/authz.sock`. */
  readonly url?: string | undefined;
  /** `tokens.callerSecret`, when the sidecar requires it (default: `AUTHZ_TOKENS_CALLER_SECRET`). */
  readonly callerSecret?: string | undefined;
  /** Deadline for getting the token from the sidecar. Default 2000 ms. */
  readonly timeoutMs?: number | undefined;
  /** The fetch that makes the outbound call. Default: the global fetch. */
  readonly fetch?: typeof fetch | undefined;
}

export interface ServiceCallInit extends RequestInit {
  /** The destination's audience (its client id at the IdP): the token is minted for it alone. */
  readonly audience: string;
  readonly scope?: string | undefined;
  /**
   * The incoming user's bearer token (without `Bearer `): when given, the call carries that user's
   * token exchanged for `audience` (RFC 8693), not the service's own client-credentials token.
   */
  readonly onBehalfOf?: string | undefined;
}

export type ServiceFetch = (input: string | URL | Request, init: ServiceCallInit) => Promise<Response>;

/**
 * A `fetch` for calls to other services: it asks the local sidecar for a token for the destination's
 * audience (`POST /v1/tokens/service`, or `/v1/tokens/exchange` with `onBehalfOf`) and sends the call
 * with `Authorization: Bearer <token>`. It fails closed: when no token can be had, the call is not made
 * and the promise rejects with a ServiceTokenError. The sidecar caches and refreshes tokens, so asking
 * it per call is one loopback round trip.
 *
 * @example
 * const callService = createServiceFetch();
 * const res = await callService('http://orders:8080/api/orders', { audience: 'orders-api' });
 * const asUser = await callService(url, { audience: 'orders-api', onBehalfOf: incomingToken });
 */
export function createServiceFetch(options: ServiceFetchOptions = {}): ServiceFetch {
  const url = options.url ?? process.env['AUTHZ_SIDECAR_URL'] ?? DEFAULT_SIDECAR_URL;
  const target = parseTarget(url);
  const secret = options.callerSecret ?? process.env['AUTHZ_TOKENS_CALLER_SECRET'];
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError(`timeoutMs must be a positive number, got ${String(options.timeoutMs)}`);
  const outbound = options.fetch ?? globalThis.fetch;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  const token = (init: ServiceCallInit): Promise<string> => {
    const deadline = deadlineSignal(timeoutMs);
    const signal = deadline.signal;
    return new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ audience: init.audience, ...(init.scope !== undefined ? { scope: init.scope } : {}) });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
      if (secret !== undefined) headers['x-authz-caller-secret'] = secret;
      if (init.onBehalfOf !== undefined) headers['authorization'] = `Bearer ${init.onBehalfOf}`;
      const path = init.onBehalfOf !== undefined ? '/v1/tokens/exchange' : '/v1/tokens/service';
      const fail = (err: NodeJS.ErrnoException): void =>
        reject(signal.aborted ? new ServiceTokenError('sidecar_timeout', 0, `no token from the sidecar within ${timeoutMs} ms`) : new ServiceTokenError('sidecar_unavailable', 0, `the sidecar at ${url} is unreachable: ${err.code ?? err.message}`));
      const req = request({ ...target, method: 'POST', path, headers, agent, signal }, (res) => {
        read(res, signal).then((text) => {
          const status = res.statusCode ?? 0;
          let answer: Record<string, unknown> | undefined;
          try {
            answer = JSON.parse(text) as Record<string, unknown>;
          } catch {
            answer = undefined;
          }
          const got = answer?.['access_token'];
          if (status === 200 && typeof got === 'string' && got !== '' && answer?.['token_type'] === 'Bearer') return resolve(got);
          const code = typeof answer?.['code'] === 'string' ? answer['code'] : 'sidecar_bad_response';
          const message = typeof answer?.['message'] === 'string' ? answer['message'] : `the sidecar answered ${status} without a token`;
          reject(new ServiceTokenError(code, status, message));
        }, fail);
      });
      req.on('error', fail);
      req.end(body);
    }).finally(deadline.release);
  };

  return async (input, init) => {
    if (typeof init?.audience !== 'string' || init.audience === '') throw new TypeError('a service call needs { audience }');
    const { audience: _a, scope: _s, onBehalfOf: _o, ...rest } = init;
    const bearer = await token(init);
    const headers = new Headers(rest.headers);
    headers.set('authorization', `Bearer ${bearer}`);
    return outbound(input, { ...rest, headers });
  };
}
