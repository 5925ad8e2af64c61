import type { DecisionEventDraft } from '../../src/decision-log/decision-event.ts';

/** A decision event as the pipeline hands it to the logger; `i` varies id, subject, path and outcome. */
export function draft(i: number, overrides: Partial<DecisionEventDraft> = {}): DecisionEventDraft {
  const sub = ['alice', 'bob', 'carol'][i % 3]!;
  const path = `/api/orders/${i % 5}`;
  return {
    decision_id: `d-${i}`,
    bundles: { authz: { revision: 'r1' } },
    path: 'authz/decision',
    input: { subject: { sub, iss: 'https://idp', roles: ['orders-viewer'] }, request: { method: 'GET', path, segments: path.split('/').slice(1), query: {} } },
    result: i % 2 === 0 ? { allow: true, reasons: ['ok'] } : { allow: false, reasons: ['no'] },
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    metrics: { timer_rego_query_eval_ns: 1000, timer_server_handler_ns: 3000 },
    subject: { sub, iss: 'https://idp' },
    request: { method: 'GET', path },
    claims: { source: 'userinfo', cache: 'hit' },
    timings_us: { verify: 1, claims: 1, policy: 1, total: 3 },
    ...overrides,
  };
}

/** The JSON lines of a file, parsed. */
export function jsonLines(text: string): any[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
