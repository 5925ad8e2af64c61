import type { IncomingMessage, ServerResponse } from 'node:http';
import { SidecarError } from '../../errors/sidecar-error.ts';
import { authorizationOf, authorizeAnswer, authorizeRequestOf } from '../check-api.ts';
import { explainMode } from '../explain.ts';
import type { HttpApi } from '../http-api.ts';
import { readJsonBody } from '../read-body.ts';
import { requireReady } from '../require-ready.ts';
import { sendJson } from '../send-json.ts';

/**
 * `POST /authorize` with `{"method", "path", "resource"?, "action"?, "context"?}`: 200 with the
 * decision for every decision (allow or deny); errors go to the caller's error writer.
 * `?explain=input` adds the input document the policy saw (secrets redacted).
 */
export async function authorizeRoute(api: HttpApi, req: IncomingMessage, res: ServerResponse, query: string): Promise<void> {
  requireReady(api);
  const authorization = authorizationOf(req, api.config.token.cookie);
  const body = await readJsonBody(req, api.config.http.maxBodyBytes);
  if (body === undefined) throw new SidecarError('unsupported_media_type', 'the body must be application/json');
  const explain = query !== '' && explainMode(new URLSearchParams(query), api.config.http.explain);
  const decision = await api.authorize(authorizeRequestOf(body, req.headers, authorization));
  sendJson(res, 200, authorizeAnswer(decision, explain));
}
