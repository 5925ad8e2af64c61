/**
 * Every error the sidecar raises on purpose carries a stable `code` from this union. Callers
 * `switch (err.code)`; the HTTP layer is the only place that turns one into a response.
 */
export type ErrorCode =
  | 'missing_token'
  | 'invalid_token'
  | 'token_too_large'
  | 'subject_mismatch'
  | 'keys_unavailable'
  | 'claims_unavailable'
  | 'claims_rejected'
  | 'policy_error'
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'not_ready'
  | 'not_found'
  | 'config_error'
  | 'bundle_error'
  | 'discovery_error'
  | 'internal_error'
  | 'invalid_logout_token'
  | 'admin_unauthorized'
  | 'forbidden'
  | 'pep_unauthorized'
  | 'invalid_page_token'
  | 'token_refused'
  | 'token_unavailable'
  | 'rate_limited'
  | 'caller_unauthorized';

/** HTTP status each code maps to; kept beside the codes so the mapping is reviewed with them. */
export const statusOf: Record<ErrorCode, number> = {
  missing_token: 401,
  invalid_token: 401,
  token_too_large: 401,
  subject_mismatch: 401,
  claims_rejected: 401,
  keys_unavailable: 503,
  claims_unavailable: 503,
  policy_error: 500,
  invalid_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  not_ready: 503,
  not_found: 404,
  config_error: 500,
  bundle_error: 500,
  discovery_error: 503,
  internal_error: 500,
  invalid_logout_token: 400,
  admin_unauthorized: 401,
  forbidden: 403,
  pep_unauthorized: 401,
  invalid_page_token: 400,
  // Outbound tokens (src/tokens/): the IdP refused the grant (invalid_grant, invalid_scope, ...), could not
  // be asked or answered badly, the audience's rate is spent, or the caller lacks the service's secret.
  token_refused: 403,
  token_unavailable: 503,
  rate_limited: 429,
  caller_unauthorized: 401,
};

/**
 * Base class of every domain error. `expose` says whether `message` may reach a client; when it
 * is false the client sees a generic message and the detail stays in the process log.
 *
 * @example
 * throw new SidecarError('claims_unavailable', 'userinfo timed out', { cause: err });
 */
export class SidecarError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  /** Set by the decision pipeline so an error answer can name the logged decision. */
  decisionId: string | undefined;
  /** When a 503 may be retried (the `Retry-After` header): set by the IdP call budget; 1 s otherwise. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; expose?: boolean; retryAfterSeconds?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SidecarError';
    this.code = code;
    this.status = statusOf[code];
    this.expose = options.expose ?? this.status < 500;
    this.decisionId = undefined;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Normalises anything thrown (opa-wasm throws plain strings) into a SidecarError. */
export function toSidecarError(err: unknown, fallback: ErrorCode = 'internal_error'): SidecarError {
  if (err instanceof SidecarError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SidecarError(fallback, message, { cause: err, expose: false });
}
