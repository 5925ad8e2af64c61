import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { deadlineSignal } from './deadline-signal.ts';

/** One question for the sidecar: may the bearer of this token call `method path`? */
export interface AuthorizeParams {
  readonly method: string;
  /** The request target as the service received it, query included (`/api/orders/1?x=1`). */
  readonly path: string;
  /** The caller's bearer token, without `Bearer `. Give this or `authorization`. */
  readonly token?: string | undefined;
  /** The caller's `Authorization` header, passed on unchanged (the sidecar checks its form). */
  readonly authorization?: string | undefined;
  readonly resource?: unknown;
  readonly action?: string | undefined;
  readonly context?: Readonly<Record<string, unknown>> | undefined;
  /** The incoming W3C `traceparent`, so the decision joins the caller's trace. */
  readonly traceparent?: string | undefined;
  /** Aborts the call (for example when the service's own client went away): a deny. */
  readonly signal?: AbortSignal | undefined;
}

/** The client's own failure codes; any other `code` is the sidecar's (`invalid_token`, `claims_unavailable`, …). */
export type ClientFailure = 'sidecar_unavailable' | 'sidecar_timeout' | 'sidecar_bad_response' | 'aborted';

export interface AuthorizeResult {
  /** True only for a 200 answer whose `allow` is exactly true. */
  readonly allow: boolean;
  /** The sidecar's HTTP status; 0 when it gave no answer. */
  readonly status: number;
  readonly decisionId?: string | undefined;
  readonly reasons?: readonly string[] | undefined;
  /** Why there is no decision: the sidecar's error code or a ClientFailure. Absent for a plain deny. */
  readonly code?: ClientFailure | (string & {}) | undefined;
  readonly message?: string | undefined;
  /** The sidecar's `WWW-Authenticate` challenge on a 401, to pass to the caller. */
  readonly challenge?: string | undefined;
}

export interface AuthzClientOptions {
  /** `http://127.0.0.1:8181` (the default, or `AUTHZ_SIDECAR_URL`) or `unix:/run/authz/authz.sock`. */
  readonly url?: string | undefined;
  /** Deadline for one decision, connection included; past it the answer is a deny. Default 1000 ms. */
  readonly timeoutMs?: number | undefined;
  /** Keep-alive connections to the sidecar. Default 64. */
  readonly maxSockets?: number | undefined;
}

export interface AuthzClient {
  /** Never rejects for a sidecar or network problem: those are denies with a `code`. */
  authorize(params: AuthorizeParams): Promise<AuthorizeResult>;
  /** Closes the keep-alive connections. */
  close(): void;
}

export const DEFAULT_SIDECAR_URL = 'http://127.0.0.1:8181';
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A typed client for the local sidecar's `POST /authorize`, over keep-alive node:http (no
 * dependencies). It fails closed: a timeout, a refused or reset connection, a non-JSON answer or
 * anything but `200 {"allow": true}` is a deny. A request that met a keep-alive connection the
 * sidecar had just closed is retried once (it never reached the sidecar, so nothing was decided).
 *
 * @example
 * const authz = createAuthzClient({ timeoutMs: 500 });
 * const r = await authz.authorize({ method: 'GET', path: '/api/orders/1', token });
 * if (!r.allow) return res.status(403).end();
 */
export function createAuthzClient(options: AuthzClientOptions = {}): AuthzClient {
  const url = options.url ?? process.env['AUTHZ_SIDECAR_URL'] ?? DEFAULT_SIDECAR_URL;
  const timeoutMs = options.timeoutMs ?? 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError(`timeoutMs must be a positive number, got ${String(options.timeoutMs)}`);
  const target = parseTarget(url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });

  const once = (body: string, headers: Record<string, string>, signal: AbortSignal): Promise<AuthorizeResult & { retry?: boolean }> =>
    new Promise((resolve) => {
      let req: ClientRequest;
      const fail = (err: NodeJS.ErrnoException): void => {
        if (signal.aborted) {
          const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError';
          resolve(deny(0, timedOut ? 'sidecar_timeout' : 'aborted', timedOut ? `no answer from the sidecar within ${timeoutMs} ms` : 'the call was aborted'));
          return;
        }
        const retry = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        resolve({ ...deny(0, 'sidecar_unavailable', `the sidecar at ${url} is unreachable: ${err.code ?? err.message}`), retry });
      };
      req = request({ ...target, method: 'POST', path: '/authorize', headers, agent, signal }, (res) => {
        read(res, signal).then(
          (text) => resolve(interpret(res, text)),
          (err: NodeJS.ErrnoException) => fail(err),
        );
      });
      req.on('error', fail);
      req.end(body);
    });

  return {
    async authorize(params) {
      if (typeof params?.method !== 'string' || typeof params.path !== 'string') throw new TypeError('authorize() needs { method, path } strings');
      const authorization = params.authorization ?? (params.token !== undefined ? `Bearer ${params.token}` : undefined);
      const body = JSON.stringify({
        method: params.method,
        path: params.path,
        ...(params.resource !== undefined ? { resource: params.resource } : {}),
        ...(params.action !== undefined ? { action: params.action } : {}),
        ...(params.context !== undefined ? { context: params.context } : {}),
      });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
      if (authorization !== undefined) headers['authorization'] = authorization;
      if (params.traceparent !== undefined) headers['traceparent'] = params.traceparent;
      const deadline = deadlineSignal(timeoutMs, params.signal);
      try {
        const first = await once(body, headers, deadline.signal);
        const result = first.retry && !deadline.signal.aborted ? await once(body, headers, deadline.signal) : first;
        const { retry: _retry, ...clean } = result as AuthorizeResult & { retry?: boolean };
        return clean;
      } finally {
        deadline.release();
      }
    },
    close: () => agent.destroy(),
  };
}

/** `http://host:port` or `unix:/path` → node:http's target options; a TypeError otherwise. */
export function parseTarget(url: string): { socketPath: string } | { host: string; port: number } {
  if (url.startsWith('unix:')) return { socketPath: url.slice('unix:'.length) };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`url must be http://host:port or unix:/path, got '${url}'`);
  }
  if (u.protocol !== 'http:') throw new TypeError(`url must be http://host:port or unix:/path (the sidecar is local), got '${url}'`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80) };
}

/** The answer body as text, capped (the sidecar is local, but its answer is still read with a bound). */
export function read(res: IncomingMessage, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_ANSWER_BYTES) res.destroy(Object.assign(new Error('answer too large'), { code: 'ERR_ANSWER_TOO_LARGE' }));
      else chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(Object.assign(new Error('answer cut'), { code: signal.aborted ? 'ABORT_ERR' : 'ECONNRESET' })));
  });
}

function interpret(res: IncomingMessage, text: string): AuthorizeResult {
  const status = res.statusCode ?? 0;
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    return deny(status, 'sidecar_bad_response', `the sidecar answered ${status} without a JSON object`);
  }
  const decisionId = typeof body['decision_id'] === 'string' ? body['decision_id'] : undefined;
  const reasons = Array.isArray(body['reasons']) ? body['reasons'].filter((r): r is string => typeof r === 'string') : undefined;
  if (status === 200 && typeof body['allow'] === 'boolean') return { allow: body['allow'] === true, status, decisionId, reasons };
  const challenge = res.headers['www-authenticate'];
  return {
    allow: false,
    status,
    decisionId,
    code: typeof body['code'] === 'string' ? body['code'] : 'sidecar_bad_response',
    message: typeof body['message'] === 'string' ? body['message'] : `the sidecar answered ${status}`,
    ...(typeof challenge === 'string' ? { challenge } : {}),
  };
}

function deny(status: number, code: ClientFailure, message: string): AuthorizeResult {
  return { allow: false, status, code, message };
}
