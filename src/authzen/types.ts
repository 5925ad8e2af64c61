import type { SidecarError } from '../errors/sidecar-error.ts';

/**
 * The AuthZEN information model (Authorization API 1.0 §5), as the HTTP layer hands it down after
 * checking it (src/http/authzen-api.ts): required members present with the right types, and every
 * other member kept as sent, so a policy can read what the enforcement point added.
 */
export interface Entity {
  readonly type: string;
  readonly id: string;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly [member: string]: unknown;
}

export interface Action {
  readonly name: string;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly [member: string]: unknown;
}

/** One access evaluation, defaults already applied. */
export interface Evaluation {
  readonly subject: Entity;
  readonly action: Action;
  readonly resource: Entity;
  readonly context?: Readonly<Record<string, unknown>>;
}

export type EvaluationsSemantic = 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';

/** What every AuthZEN request carries besides its body. */
export interface AuthzenCall {
  /** The Authorization header: the subject's bearer token, or the enforcement point's credential. */
  readonly authorization: string | undefined;
  /** `X-Request-ID` (or one made up when absent): logged with each decision of the request. */
  readonly requestId: string;
  readonly traceId?: string | undefined;
  readonly traceparent?: string | string[] | undefined;
}

export interface EvaluationsRequest extends AuthzenCall {
  /** At least one; in request order. */
  readonly evaluations: readonly Evaluation[];
  readonly semantic: EvaluationsSemantic;
}

/** One evaluation's outcome. `error`: the evaluation failed (a deny); the HTTP layer turns it into `context.error`. */
export interface EvaluationResult {
  readonly decisionId: string;
  readonly decision: boolean;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly error?: SidecarError;
}

export type SearchKind = 'subject' | 'resource' | 'action';

/** A search: the entity searched for carries its `type` only (`action` search: no action at all). */
export interface SearchRequest extends AuthzenCall {
  readonly kind: SearchKind;
  readonly subject: Entity | { readonly type: string; readonly properties?: Readonly<Record<string, unknown>> };
  readonly resource: Entity | { readonly type: string; readonly properties?: Readonly<Record<string, unknown>> };
  readonly action?: Action;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly page: { readonly token?: string; readonly limit?: number } | undefined;
}

export type SearchResultEntity = { readonly type: string; readonly id: string } | { readonly name: string };

export interface SearchAnswer {
  readonly decisionId: string;
  readonly results: readonly SearchResultEntity[];
  /** Present when the request asked for a page, or when the results did not fit in one. */
  readonly page?: { readonly next_token: string; readonly count: number; readonly total: number };
}
