import type { Request, Response } from 'express';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { DataQueryRunner } from '../../decision/query-data.ts';
import { redactInput } from '../../decision/redact-input.ts';
import { traceIdOf } from '../trace-id.ts';

/**
 * OPA's Data API: `POST /v1/data/{path}` with `{"input": ...}`, `GET /v1/data/{path}?input=<JSON>`.
 * Answers `{"result": ..., "decision_id": ...}`; an undefined document has no `result` (OPA
 * answers `{}` then, plus `decision_id` when it logs decisions, as the sidecar always does).
 * `?explain=input` adds `"input"`: the document the policy saw, redacted.
 */
export function dataApiRoute(query: DataQueryRunner, explainAllowed: boolean) {
  return async (req: Request, res: Response): Promise<void> => {
    const params = new URL(req.originalUrl, 'http://sidecar').searchParams;
    const explain = explainMode(params, explainAllowed);
    const path = (req.params as { path?: string[] }).path ?? [];
    if (path.length === 0 || path.some((s) => s === '')) {
      throw new SidecarError('invalid_request', 'give a document path, for example /v1/data/authz/decision');
    }
    const answer = await query({
      authorization: req.headers.authorization,
      path,
      input: req.method === 'GET' ? inputFromQuery(params) : inputFromBody(req),
      traceId: traceIdOf(req.headers.traceparent),
    });
    res.status(200).json({
      ...(answer.result !== undefined ? { result: answer.result } : {}),
      decision_id: answer.decisionId,
      ...(explain ? { input: redactInput(answer.input) ?? null } : {}),
    });
  };
}

/** `?explain=input` (or a bare `?explain`); anything else is refused so a typo is visible. */
export function explainMode(params: URLSearchParams, allowed: boolean): boolean {
  if (!params.has('explain')) return false;
  const v = params.get('explain');
  if (v !== '' && v !== 'input') throw new SidecarError('invalid_request', `explain=${v} is not supported; use explain=input`);
  if (!allowed) throw new SidecarError('invalid_request', 'explain is disabled on this sidecar (http.explain)');
  return true;
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

function inputFromBody(req: Request): unknown {
  const body: unknown = req.body;
  if (body === undefined || (typeof req.headers['content-length'] === 'string' && req.headers['content-length'] === '0')) return undefined;
  if (!req.is('application/json')) throw new SidecarError('unsupported_media_type', 'the body must be application/json');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SidecarError('invalid_request', 'the body must be a JSON object: {"input": ...}');
  }
  return (body as { input?: unknown }).input;
}
