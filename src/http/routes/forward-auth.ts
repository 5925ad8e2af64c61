import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizationOf, forwardAuthAnswer, forwardAuthRequestOf } from '../check-api.ts';
import type { HttpApi } from '../http-api.ts';
import { requireReady } from '../require-ready.ts';
import { sendJson } from '../send-json.ts';

/**
 * Forward-auth for proxies, any method (see check-api.ts): 200 (allow), 403 (deny), 401 (token
 * problem), 400 (two Authorization headers, conflicting URIs); the decision id is in `X-Authz-Decision-Id` so the proxy can log it.
 */
export async function forwardAuthRoute(api: HttpApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireReady(api);
  const decision = await api.authorize(forwardAuthRequestOf(req.headers, authorizationOf(req, api.config.token.cookie)));
  const answer = forwardAuthAnswer(decision);
  sendJson(res, answer.status, answer.body, { 'X-Authz-Decision-Id': decision.decisionId });
}
