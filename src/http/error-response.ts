import { SidecarError, toSidecarError } from '../errors/sidecar-error.ts';
import type { ProcessLog } from '../lib/process-log.ts';

export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly code: string; readonly message: string; readonly decision_id?: string };
}

/** RFC 6750 §3: quoted-string content, ASCII only, no quotes or backslashes. */
function quoted(s: string): string {
  return s.replace(/[^\x20-\x7e]|["\\]/g, "'");
}

/**
 * The only place an error becomes an HTTP answer, for both the express app and the lean path:
 * status from the code, body `{code, message}` (OPA's shape) plus `decision_id` when a decision
 * was logged, and for 401 the `WWW-Authenticate` challenge. Errors not meant for clients get a
 * generic message; their detail goes to the process log.
 */
export function errorAnswer(err: unknown, log: ProcessLog): ErrorAnswer {
  const e = err instanceof SidecarError ? err : toSidecarError(err);
  const message = e.expose ? e.message : genericMessage(e);
  if (!e.expose || e.status >= 500) log.warn('request failed', { code: e.code, detail: e.message, decision_id: e.decisionId });
  const headers: Record<string, string> = {};
  if (e.status === 401) {
    headers['WWW-Authenticate'] =
      e.code === 'missing_token'
        ? 'Bearer realm="authz-sidecar"'
        : `Bearer realm="authz-sidecar", error="invalid_token", error_description="${quoted(message)}"`;
  }
  if (e.status === 503 || e.code === 'rate_limited') headers['Retry-After'] = String(Math.max(1, Math.ceil(e.retryAfterSeconds ?? 1)));
  if (e.code === 'payload_too_large') headers['Connection'] = 'close';
  return { status: e.status, headers, body: { code: e.code, message, ...(e.decisionId ? { decision_id: e.decisionId } : {}) } };
}

function genericMessage(e: SidecarError): string {
  switch (e.code) {
    case 'claims_unavailable':
      return 'the identity provider could not provide the subject\'s claims';
    case 'keys_unavailable':
      return 'the issuer\'s signing keys are unavailable';
    case 'policy_error':
      return 'the policy failed to evaluate';
    case 'token_unavailable':
      return 'the identity provider could not issue a token';
    default:
      return 'internal error';
  }
}
