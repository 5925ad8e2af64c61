import type { Request, Response } from 'express';
import { SidecarError } from '../../errors/sidecar-error.ts';
import { redactInput } from '../../request/redact-input.ts';
import { explainMode } from '../explain.ts';
import type { HttpApi } from '../http-api.ts';
import { sendJson } from '../send-json.ts';
import { traceIdOf } from '../trace-id.ts';

/**
 * OPA's Data API: `POST /v1/data/{path}` with `{"input": ...}`, `GET /v1/data/{path}?input=<JSON>`.
 * Answers `{"result": ..., "decision_id": ...}`; an undefined document has no `result` (OPA
 * answers `{}` then, plus `decision_id` when it logs decisions, as the sidecar always does).
 * `?explain=input` adds `"input"`: the document the policy saw, redacted.
 */
export function dataApiRoute(api: HttpApi) {
  return async (req: Request, res: Response): Promise<void> => {
    const params = new URL(req.originalUrl, 'http://sidecar').searchParams;
    const explain = explainMode(params, api.config.http.explain);
    const path = (req.params as { path?: string[] }).path ?? [];
    if (path.length === 0 || path.some((s) => s === '')) {
      throw new SidecarError('invalid_request', 'give a document path, for example /v1/data/authz/decision');
    }
    const answer = await api.queryData({
      authorization: req.headers.authorization,
      path,
      input: req.method === 'GET' ? inputFromQuery(params) : inputFromBody(req.body),
      traceId: traceIdOf(req.headers.traceparent),
    });
    sendJson(res, 200, {
      ...(answer.result !== undefined ? { result: answer.result } : {}),
      decision_id: answer.decisionId,
      ...(explain ? { input: redactInput(answer.input) ?? null } : {}),
    });
  };
}

function inputFromQuery(params: URLSearchParams): unknown {
  const raw = params.get('input');
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new SidecarError('invalid_request', 'the input query parameter must be JSON');
  }
}

/** The parsed body (read-body.ts): undefined when none was sent. */
function inputFromBody(body: unknown): unknown {
  if (body === undefined) return undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SidecarError('invalid_request', 'the body must be a JSON object: {"input": ...}');
  }
  return (body as { input?: unknown }).input;
}
