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
  readonly claims: { readonly source: 'token' | 'userinfo' | null; readonly cache: string | null };
  readonly error?: { readonly code: string; readonly message: string };
  readonly trace_id?: string;
}
