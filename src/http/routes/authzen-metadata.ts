import type { IncomingMessage, ServerResponse } from 'node:http';
import { baseUrlOf, metadataAnswer } from '../authzen-answer.ts';
import { requestIdOf } from '../authzen-request.ts';
import type { HttpApi } from '../http-api.ts';
import { requireReady } from '../require-ready.ts';
import { sendJson } from '../send-json.ts';

/**
 * `GET /.well-known/authzen-configuration` (AuthZEN PDP metadata): the endpoints served under the
 * base URL the request came to (or `authzen.baseUrl`). Ready first: whether search is offered
 * depends on the active bundle. Cacheable for a minute (the spec asks for caching directives).
 */
export function authzenMetadataRoute(api: HttpApi, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('X-Request-ID', requestIdOf(req.headers));
  requireReady(api);
  const base = baseUrlOf(api.authzen.settings.baseUrl, req.headers);
  sendJson(res, 200, metadataAnswer(base, api.authzen.canSearch()), { 'Cache-Control': 'max-age=60' });
}
