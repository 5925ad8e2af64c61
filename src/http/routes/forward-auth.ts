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
    const method = oneOf(req, 'x-forwarded-method', 'x-original-method');
    const uri = oneOf(req, 'x-forwarded-uri', 'x-original-uri');
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

/**
 * The value of the Traefik header or the nginx one, refusing both when they disagree. Why:
 * nginx's auth_request passes the client's own headers along with the X-Original-URI it sets, so
 * a client could add `X-Forwarded-Uri: /public` to a request for `/admin`; neither is trusted
 * over the other.
 */
function oneOf(req: Request, traefik: string, nginx: string): string | undefined {
  const a = header(req, traefik);
  const b = header(req, nginx);
  if (a !== undefined && b !== undefined && a !== b) {
    throw new SidecarError('invalid_request', `forward-auth got conflicting ${traefik} and ${nginx} headers`);
  }
  return a ?? b;
}
