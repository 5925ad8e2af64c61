import type { Response } from 'express';
import { SidecarError, toSidecarError } from '../errors/sidecar-error.ts';
import type { ProcessLog } from '../lib/process-log.ts';

/** RFC 6750 §3: quoted-string content, ASCII only, no quotes or backslashes. */
function quoted(s: string): string {
  return s.replace(/[^\x20-\x7e]|["\\]/g, "'");
}

/**
 * The only place an error becomes an HTTP answer: status from the code, body `{code, message}`
 * (OPA's shape) plus `decision_id` when a decision was logged, and for 401 the
 * `WWW-Authenticate` challenge. Errors not meant for clients get a generic message; their
 * detail goes to the process log.
 */
export function sendError(res: Response, err: unknown, log: ProcessLog): void {
  const e = err instanceof SidecarError ? err : toSidecarError(err);
  const message = e.expose ? e.message : genericMessage(e);
  if (!e.expose || e.status >= 500) log.warn('request failed', { code: e.code, detail: e.message, decision_id: e.decisionId });
  if (e.status === 401) {
    res.setHeader(
      'WWW-Authenticate',
      e.code === 'missing_token'
        ? 'Bearer realm="authz-sidecar"'
        : `Bearer realm="authz-sidecar", error="invalid_token", error_description="${quoted(message)}"`,
    );
  }
  if (e.status === 503) res.setHeader('Retry-After', '1');
  res.status(e.status).json({ code: e.code, message, ...(e.decisionId ? { decision_id: e.decisionId } : {}) });
}

function genericMessage(e: SidecarError): string {
  switch (e.code) {
    case 'claims_unavailable':
      return 'the identity provider could not provide the subject\'s claims';
    case 'keys_unavailable':
      return 'the issuer\'s signing keys are unavailable';
    case 'policy_error':
      return 'the policy failed to evaluate';
    default:
      return 'internal error';
  }
}
