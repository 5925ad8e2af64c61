import type { IncomingMessage, ServerResponse } from 'node:http';
import { decisionAnswer } from '../authzen-answer.ts';
import { authzenCallOf, evaluationOf } from '../authzen-request.ts';
import type { HttpApi } from '../http-api.ts';
import { readAuthzenBody } from './authzen-body.ts';
import { sendJson } from '../send-json.ts';

/**
 * `POST /access/v1/evaluation` (AuthZEN Access Evaluation API): `{subject, action, resource, context?}`
 * → 200 `{"decision", "context"?}` for a permit or a deny; an evaluation that fails is an error answer,
 * as on /authorize. `X-Request-ID` is echoed (one is made up when absent), errors included.
 */
export async function authzenEvaluationRoute(api: HttpApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const call = authzenCallOf(req.headers);
  res.setHeader('X-Request-ID', call.requestId);
  const body = await readAuthzenBody(api, req);
  const [result] = await api.authzen.evaluate({ ...call, evaluations: [evaluationOf(body)], semantic: 'execute_all' });
  if (result!.error) throw result!.error;
  sendJson(res, 200, decisionAnswer(result!));
}
