import type { IncomingMessage, ServerResponse } from 'node:http';
import { decisionAnswer, evaluationsAnswer } from '../authzen-answer.ts';
import { authzenCallOf, evaluationsOf } from '../authzen-request.ts';
import type { HttpApi } from '../http-api.ts';
import { sendJson } from '../send-json.ts';
import { readAuthzenBody } from './authzen-body.ts';

/**
 * `POST /access/v1/evaluations` (AuthZEN Access Evaluations API): top-level defaults and an
 * `evaluations` array → 200 `{"evaluations": [...]}` in request order, cut short by
 * `options.evaluations_semantic`; a failed item is `{"decision": false, "context": {"error": ...}}`.
 * Without items it is one evaluation, answered as `/access/v1/evaluation` answers.
 */
export async function authzenEvaluationsRoute(api: HttpApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const call = authzenCallOf(req.headers);
  res.setHeader('X-Request-ID', call.requestId);
  const body = await readAuthzenBody(api, req);
  const { evaluations, semantic, single } = evaluationsOf(body, api.authzen.settings.maxEvaluations);
  const results = await api.authzen.evaluate({ ...call, evaluations, semantic });
  if (!single) return sendJson(res, 200, evaluationsAnswer(results, api.log));
  if (results[0]!.error) throw results[0]!.error;
  sendJson(res, 200, decisionAnswer(results[0]!));
}
