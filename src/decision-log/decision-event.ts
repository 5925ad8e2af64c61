/** The value of `schema_version` in every event this version writes. */
export const DECISION_EVENT_VERSION = 1;

/**
 * One decision, as written by every sink. Documented field by field in docs/decision-log.md.
 *
 * The OPA fields (`decision_id`, `labels`, `bundles`, `path`, `input`, `result`, `timestamp`,
 * `metrics`, `erased`, `masked`, `trace_id`) keep OPA's names and meanings, so tools that read
 * OPA decision logs read these. The rest are ours. Within version 1, fields are only ever added,
 * never repurposed or removed; a change of meaning is a new `schema_version`.
 *
 * Never holds a token or an Authorization header: see mask-event.ts.
 *
 * @example
 * {"schema_version":1,"decision_id":"0f6c…","labels":{"app":"authz-sidecar","id":"…","version":"0.1.0"},
 *  "bundles":{"authz":{"revision":"05fe476b60d6"}},"path":"authz/decision","input":{…},
 *  "result":{"allow":true,"reasons":["…"]},"timestamp":"2026-11-22T12:00:28.042Z",
 *  "metrics":{"timer_rego_query_eval_ns":420000,"timer_server_handler_ns":4480000},
 *  "subject":{"sub":"carol","iss":"…"},"request":{"method":"GET","path":"/api/orders/1"},
 *  "claims":{"source":"userinfo","cache":"miss"},"timings_us":{…}}
 */
export interface DecisionEventV1 {
  readonly schema_version: 1;
  readonly decision_id: string;
  /** OPA: who decided. `id` is this process's instance id, `version` the sidecar's. */
  readonly labels: { readonly app: string; readonly id: string; readonly version: string };
  /** OPA: the bundle that decided, by name: `{"authz": {"revision": "05fe476b60d6"}}`; `{}` before any bundle is active. */
  readonly bundles: Readonly<Record<string, { readonly revision: string }>>;
  /** OPA: the policy path queried, which is the configured entrypoint (`authz/decision`). */
  readonly path: string;
  /** OPA: the input document the policy saw, after masking. Absent when the decision failed before the input existed. */
  readonly input?: unknown;
  /** The decision as the sidecar answered it. Only `allow: true` allowed. */
  readonly result: { readonly allow: boolean; readonly reasons?: readonly string[] };
  readonly timestamp: string;
  /** OPA timer names, in nanoseconds: `timer_rego_query_eval_ns` (policy), `timer_server_handler_ns` (whole decision). */
  readonly metrics: Readonly<Record<string, number>>;
  /** OPA: JSON pointers removed by masking. */
  readonly erased?: readonly string[];
  /** OPA: JSON pointers whose value masking replaced. */
  readonly masked?: readonly string[];
  /** Why masking fell back to erasing `/input` (the mask policy failed, or the input could not be serialised). */
  readonly mask_error?: string;
  /**
   * Who the verified token names; null when no token was verified. `kind` (`user` or `service`, once the
   * claims stage was reached) tells a service's own client-credentials token from a user's; `client_id` names the service.
   */
  readonly subject: { readonly sub: string; readonly iss: string; readonly kind?: 'user' | 'service'; readonly client_id?: string } | null;
  /** The normalised request (method and path only), kept even when `input` is masked or absent. */
  readonly request: { readonly method: string; readonly path: string } | null;
  /**
   * `source`: `token`, or the claims sources used joined with `+` (`userinfo`, `introspection+userinfo`);
   * `cache`: each source's outcome joined the same way (`hit`, `miss`, `uncached`, `stale`, `shared`), `none` when
   * nothing was fetched, `reused` for the items of an AuthZEN batch after the first (they share the claims
   * established once for the request); `stale_reason` only when stale claims were served because the IdP failed.
   */
  readonly claims: { readonly source: string | null; readonly cache: string | null; readonly stale_reason?: string };
  readonly timings_us: { readonly verify: number; readonly claims: number; readonly policy: number; readonly total: number };
  /**
   * Set when the policy saw only the bundle's relevant roles of the subject (src/policy/relevant-roles-of.ts):
   * `from` the data path that lists them (`data.authz.authz_sidecar.relevant_roles`), `kind` `declared` (by
   * the bundle, the default) or `configured` (`policy.relevantRoles`), and how many roles the subject
   * `held` before narrowing. The roles considered are `input.subject.roles`.
   */
  readonly roles_filter?: { readonly from: string; readonly kind: 'declared' | 'configured'; readonly held: number };
  /** Set when the decision failed (a deny): the stable error code. */
  readonly error?: { readonly code: string; readonly message: string };
  /** The trace id of an incoming W3C `traceparent` header. */
  readonly trace_id?: string;
  /** The request identifier of an AuthZEN request (`X-Request-ID`), shared by every decision of one request (a batch). */
  readonly request_id?: string;
}

/** What the decision pipeline hands to the logger; the logger stamps `labels` (it knows the instance). */
export type DecisionEventDraft = Omit<DecisionEventV1, 'labels' | 'schema_version' | 'erased' | 'masked' | 'mask_error'>;

/** @deprecated the unversioned name; use DecisionEventV1. */
export type DecisionEvent = DecisionEventV1;
