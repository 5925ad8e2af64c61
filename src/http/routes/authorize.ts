import type { Request, Response } from 'express';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { Authorizer } from '../../decision/authorize.ts';
import { normalizeRequest } from '../../decision/normalize-request.ts';
import { traceIdOf } from '../trace-id.ts';
import { explainMode } from './data-api.ts';
import { redactInput } from '../../decision/redact-input.ts';

const FIELDS = new Set(['method', 'path', 'resource', 'action', 'context']);

/**
 * `POST /authorize` with `{"method", "path", "resource"?, "action"?, "context"?}`: 200 with the
 * decision for every decision (allow or deny), errors through the error handler.
 */
export function authorizeRoute(authorize: Authorizer, explainAllowed = true) {
  return async (req: Request, res: Response): Promise<void> => {
    const explain = explainMode(new URL(req.originalUrl, 'http://sidecar').searchParams, explainAllowed);
    const body = parseBody(req);
    const decision = await authorize({
      authorization: req.headers.authorization,
      request: normalizeRequest(body['method'], body['path']),
      resource: body['resource'],
      action: body['action'] as string | undefined,
      context: body['context'],
      traceId: traceIdOf(req.headers.traceparent),
      traceparent: req.headers.traceparent,
    });
    res.status(200).json({
      allow: decision.allow,
      decision_id: decision.decisionId,
      ...(decision.reasons ? { reasons: decision.reasons } : {}),
      // ?explain=input: the document the policy saw, so a surprising decision can be understood.
      ...(explain ? { input: redactInput(decision.input) } : {}),
    });
  };
}

function parseBody(req: Request): Record<string, unknown> {
  if (!req.is('application/json')) throw new SidecarError('unsupported_media_type', 'the body must be application/json');
  const body: unknown = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SidecarError('invalid_request', 'the body must be a JSON object');
  }
  const unknownKey = Object.keys(body).find((k) => !FIELDS.has(k));
  if (unknownKey !== undefined) throw new SidecarError('invalid_request', `unknown field "${unknownKey}" (allowed: ${[...FIELDS].join(', ')})`);
  const b = body as Record<string, unknown>;
  if (b['action'] !== undefined && typeof b['action'] !== 'string') throw new SidecarError('invalid_request', '"action" must be a string');
  if (b['context'] !== undefined && (b['context'] === null || typeof b['context'] !== 'object' || Array.isArray(b['context']))) {
    throw new SidecarError('invalid_request', '"context" must be an object');
  }
  return b;
}
