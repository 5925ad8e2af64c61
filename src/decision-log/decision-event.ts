/**
 * One line of the decision log. Fields are only ever added, never repurposed; see
 * docs/decision-log.md. Never holds a token or an Authorization header.
 */
export interface DecisionEvent {
  readonly decision_id: string;
  readonly timestamp: string;
  readonly path: string;
  readonly subject: { readonly sub: string; readonly iss: string } | null;
  readonly request: { readonly method: string; readonly path: string } | null;
  readonly result: { readonly allow: boolean; readonly reasons?: readonly string[] };
  readonly bundle: { readonly revision: string | null };
  readonly timings_us: { readonly verify: number; readonly claims: number; readonly policy: number; readonly total: number };
  /**
   * `source`: `token`, or the claims sources used joined with `+` (`userinfo`, `introspection+userinfo`);
   * `cache`: each source's outcome joined the same way (`hit`, `miss`, `uncached`, `stale`), `none` when
   * nothing was fetched; `stale_reason` only when stale claims were served because the IdP failed.
   */
  readonly claims: { readonly source: string | null; readonly cache: string | null; readonly stale_reason?: string };
  readonly error?: { readonly code: string; readonly message: string };
  readonly trace_id?: string;
}
