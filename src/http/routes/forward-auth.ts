import type { Request, Response } from 'express';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { Authorizer } from '../../decision/authorize.ts';
import { normalizeRequest } from '../../decision/normalize-request.ts';
import { traceIdOf } from '../trace-id.ts';

/**
 * Forward-auth for proxies: the original method and URI come from `X-Forwarded-Method` /
 * `X-Forwarded-Uri` (Traefik) or `X-Original-Method` / `X-Original-URI` (nginx auth_request).
 * Answers 200 (allow), 403 (deny), 401 (token problem); the decision id is in
 * `X-Authz-Decision-Id` so the proxy can log it.
 */
export function forwardAuthRoute(authorize: Authorizer) {
  return async (req: Request, res: Response): Promise<void> => {
    const method = header(req, 'x-forwarded-method') ?? header(req, 'x-original-method');
    const uri = header(req, 'x-forwarded-uri') ?? header(req, 'x-original-uri');
    if (method === undefined || uri === undefined) {
      throw new SidecarError('invalid_request', 'forward-auth needs X-Forwarded-Method and X-Forwarded-Uri (or X-Original-Method and X-Original-URI)');
    }
    const decision = await authorize({
      authorization: req.headers.authorization,
      request: normalizeRequest(method, uri),
      traceId: traceIdOf(req.headers.traceparent),
      traceparent: req.headers.traceparent,
    });
    res.setHeader('X-Authz-Decision-Id', decision.decisionId);
    res.status(decision.allow ? 200 : 403).json({ allow: decision.allow, decision_id: decision.decisionId });
  };
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}
