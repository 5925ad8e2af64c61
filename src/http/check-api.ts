import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { AuthorizeRequest, Decision } from '../decision/authorize.ts';
import { normalizeRequest } from '../request/normalize-request.ts';
import { redactInput } from '../request/redact-input.ts';
import { credentialOf } from '../request/cookie-token.ts';
import { singleRawHeader } from '../request/single-header.ts';
import { traceIdOf } from './trace-id.ts';

/**
 * The check API's contract, apart from how the bytes are read and written: what `POST /authorize`
 * and forward-auth accept and answer (routes/authorize.ts, routes/forward-auth.ts), and what
 * `authz-sidecar/client` relies on.
 */

const FIELDS = new Set(['method', 'path', 'resource', 'action', 'context']);

/**
 * `POST /authorize`'s JSON body (already parsed) and headers → the authorizer's request;
 * `authorization` is the request's one Authorization header (authorizationOf).
 */
export function authorizeRequestOf(body: unknown, headers: IncomingHttpHeaders, authorization: string | undefined): AuthorizeRequest {
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
  return {
    authorization,
    request: normalizeRequest(b['method'], b['path']),
    resource: b['resource'],
    action: b['action'] as string | undefined,
    context: b['context'],
    traceId: traceIdOf(headers.traceparent),
    traceparent: headers.traceparent,
  };
}

/** The 200 answer of `POST /authorize`, for allow and deny alike. */
export function authorizeAnswer(decision: Decision, explain: boolean): Record<string, unknown> {
  return {
    allow: decision.allow,
    decision_id: decision.decisionId,
    ...(decision.reasons ? { reasons: decision.reasons } : {}),
    // ?explain=input: the document the policy saw, so a surprising decision can be understood.
    ...(explain ? { input: redactInput(decision.input) } : {}),
  };
}

/**
 * Forward-auth: the original method and URI come from `X-Forwarded-Method` / `X-Forwarded-Uri`
 * (Traefik) or `X-Original-Method` / `X-Original-URI` (nginx auth_request).
 */
export function forwardAuthRequestOf(headers: IncomingHttpHeaders, authorization: string | undefined): AuthorizeRequest {
  const method = oneOf(headers, 'x-forwarded-method', 'x-original-method');
  const uri = oneOf(headers, 'x-forwarded-uri', 'x-original-uri');
  if (method === undefined || uri === undefined) {
    throw new SidecarError('invalid_request', 'forward-auth needs X-Forwarded-Method and X-Forwarded-Uri (or X-Original-Method and X-Original-URI)');
  }
  return {
    authorization,
    request: normalizeRequest(method, uri),
    traceId: traceIdOf(headers.traceparent),
    traceparent: headers.traceparent,
  };
}

/**
 * The request's one Authorization header, read from the raw headers: two of them are
 * `invalid_request` (400), where node alone would keep the first (src/request/single-header.ts).
 * With `cookie` (`token.cookie`), a request without the header may carry its token in that cookie.
 */
export function authorizationOf(req: IncomingMessage, cookie?: string): string | undefined {
  return credentialOf(singleRawHeader(req.rawHeaders, 'authorization'), req.rawHeaders, cookie);
}

/** Forward-auth answers 200 (allow) or 403 (deny); the decision id also goes in `X-Authz-Decision-Id`. */
export function forwardAuthAnswer(decision: Decision): { status: number; body: Record<string, unknown> } {
  return { status: decision.allow ? 200 : 403, body: { allow: decision.allow, decision_id: decision.decisionId } };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The value of the Traefik header or the nginx one, refusing both when they disagree. Why:
 * nginx's auth_request passes the client's own headers along with the X-Original-URI it sets, so
 * a client could add `X-Forwarded-Uri: /public` to a request for `/admin`; neither is trusted
 * over the other.
 */
function oneOf(headers: IncomingHttpHeaders, traefik: string, nginx: string): string | undefined {
  const a = header(headers, traefik);
  const b = header(headers, nginx);
  if (a !== undefined && b !== undefined && a !== b) {
    throw new SidecarError('invalid_request', `forward-auth got conflicting ${traefik} and ${nginx} headers`);
  }
  return a ?? b;
}
