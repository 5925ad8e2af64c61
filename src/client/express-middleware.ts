import { createAuthzClient, type AuthorizeParams, type AuthorizeResult, type AuthzClient, type AuthzClientOptions } from './authz-client.ts';

/** The parts of an express (or node:http-compatible) request the middleware reads. */
export interface RequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly originalUrl?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  authz?: AuthorizeResult;
}

/** The parts of an express response the middleware writes. */
export interface ResponseLike {
  status(code: number): ResponseLike;
  setHeader(name: string, value: string): unknown;
  json(body: unknown): unknown;
}

export interface AuthzMiddlewareOptions<Req extends RequestLike = RequestLike> extends AuthzClientOptions {
  /** A client to share; one is created from the other options otherwise. */
  readonly client?: AuthzClient | undefined;
  /** Extra policy input for a request: `resource`, `action`, `context`. */
  readonly input?: ((req: Req) => Pick<AuthorizeParams, 'resource' | 'action' | 'context'>) | undefined;
  /** Sees every result, allowed or not (for the service's own logs). */
  readonly onDecision?: ((req: Req, result: AuthorizeResult) => void) | undefined;
}

/**
 * Express middleware that asks the local sidecar about every request and calls `next()` only on
 * an allow; the result is on `req.authz`. It fails closed: a deny answers 403, a token problem
 * 401 with the sidecar's `WWW-Authenticate` challenge, a request the sidecar cannot read 400,
 * and a sidecar that is down, slow (past `timeoutMs`) or failing 503 with `Retry-After`.
 * Bodies are `{code, message, decision_id?}`.
 *
 * @example
 * app.use(authzMiddleware({ timeoutMs: 500 }));
 */
export function authzMiddleware<Req extends RequestLike = RequestLike>(options: AuthzMiddlewareOptions<Req> = {}) {
  const client = options.client ?? createAuthzClient(options);
  return (req: Req, res: ResponseLike, next: (err?: unknown) => void): void => {
    const extra = options.input?.(req) ?? {};
    client
      .authorize({
        method: req.method ?? 'GET',
        path: req.originalUrl ?? req.url ?? '/',
        authorization: header(req, 'authorization'),
        traceparent: header(req, 'traceparent'),
        ...extra,
      })
      .then(
        (result) => {
          req.authz = result;
          options.onDecision?.(req, result);
          if (result.allow) return next();
          refuse(res, result);
        },
        // Only a caller's mistake (a TypeError) lands here; it must not let the request through.
        (err: unknown) => next(err),
      );
  };
}

function refuse(res: ResponseLike, r: AuthorizeResult): void {
  const id = r.decisionId ? { decision_id: r.decisionId } : {};
  if (r.status === 200) {
    res.status(403).json({ code: 'forbidden', message: 'the policy denies this request', ...id });
  } else if (r.status === 401) {
    if (r.challenge) res.setHeader('WWW-Authenticate', r.challenge);
    res.status(401).json({ code: r.code, message: r.message, ...id });
  } else if (r.status === 400) {
    res.status(400).json({ code: r.code, message: r.message, ...id });
  } else {
    res.setHeader('Retry-After', '1');
    res.status(503).json({ code: 'authz_unavailable', message: `authorization is unavailable (${r.code ?? r.status})`, ...id });
  }
}

function header(req: RequestLike, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}
