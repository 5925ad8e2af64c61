/** What `audit query`, `stats`, `replay` and the explorer select decisions by; every set field must match. */
export interface EventFilter {
  readonly subject?: string;
  /** `allow`; `deny`: every decision that did not allow (errors included); `error`: errors only. */
  readonly result?: 'allow' | 'deny' | 'error';
  /** Glob on the normalised request path: `*` within one segment, `**` across segments. */
  readonly path?: string;
  readonly method?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly decisionId?: string;
  /** The stable error code of a failed decision (`invalid_token`). */
  readonly errorCode?: string;
  /** A bundle revision that decided (any of the decision's bundles). */
  readonly revision?: string;
  /** Text in the reasons or the error message, case-insensitive. */
  readonly reason?: string;
}

/** How a decision ended. */
export type Outcome = 'allow' | 'deny' | 'error';

/** allow, deny (the policy said no) or error (the decision failed, which denies). */
export function outcomeOf(event: Record<string, unknown>): Outcome {
  if (event['error'] !== undefined) return 'error';
  return (event['result'] as { allow?: unknown } | undefined)?.allow === true ? 'allow' : 'deny';
}

/** The verified subject (`subject.sub`); undefined when no token was verified. */
export function subjectOf(event: Record<string, unknown>): string | undefined {
  const s = event['subject'] as { sub?: unknown } | null | undefined;
  return typeof s?.sub === 'string' ? s.sub : undefined;
}

/** The normalised request, method and path. */
export function requestOf(event: Record<string, unknown>): { method: string; path: string } | undefined {
  const r = event['request'] as { method?: unknown; path?: unknown } | null | undefined;
  return typeof r?.method === 'string' && typeof r.path === 'string' ? { method: r.method, path: r.path } : undefined;
}

/** The revisions that decided, joined with `,` (one per bundle); `(no bundle)` before any bundle was active. */
export function revisionOf(event: Record<string, unknown>): string {
  const bundles = event['bundles'] as Record<string, { revision?: unknown }> | undefined;
  const revs = Object.values(bundles ?? {}).map((b) => String(b?.revision));
  return revs.length > 0 ? revs.join(',') : '(no bundle)';
}

/** The stable error code of a failed decision; undefined for a decision that did not fail. */
export function errorCodeOf(event: Record<string, unknown>): string | undefined {
  const e = event['error'] as { code?: unknown } | undefined;
  return e === undefined ? undefined : String(e?.code ?? '?');
}

/** The reasons, one per line, then the error message: what the reason filter searches. */
export function reasonTextOf(event: Record<string, unknown>): string {
  const reasons = (event['result'] as { reasons?: unknown } | undefined)?.reasons;
  const message = (event['error'] as { message?: unknown } | undefined)?.message;
  return [...(Array.isArray(reasons) ? reasons.map(String) : []), ...(typeof message === 'string' ? [message] : [])].join('\n');
}

/** Milliseconds since the epoch; NaN when the event has no readable timestamp. */
export function timeOf(event: Record<string, unknown>): number {
  return typeof event['timestamp'] === 'string' ? Date.parse(event['timestamp']) : Number.NaN;
}

/**
 * A filter compiled into one test per field. `eventMatcher` applies them to an event; the
 * explorer's index applies each to the distinct values of its column once (a path glob is tried
 * on each distinct request, not on each decision), so both select with the same code.
 */
export interface FilterTests {
  readonly decisionId?: (id: unknown) => boolean;
  readonly subject?: (sub: string | undefined) => boolean;
  readonly outcome?: (o: Outcome) => boolean;
  readonly request?: (req: { readonly method: string; readonly path: string } | undefined) => boolean;
  readonly time?: (t: number) => boolean;
  readonly errorCode?: (code: string | undefined) => boolean;
  readonly revision?: (rev: string) => boolean;
  readonly reason?: (text: string) => boolean;
}

/** Compiles a filter into its per-field tests (only the fields it sets). */
export function filterTests(filter: EventFilter): FilterTests {
  const pathRe = filter.path === undefined ? undefined : globToRegExp(filter.path);
  const method = filter.method?.toUpperCase();
  const since = filter.since?.getTime();
  const until = filter.until?.getTime();
  const { result, subject, decisionId, errorCode, revision } = filter;
  const reason = filter.reason?.toLowerCase();
  return {
    ...(decisionId !== undefined ? { decisionId: (id: unknown) => id === decisionId } : {}),
    ...(subject !== undefined ? { subject: (s: string | undefined) => s === subject } : {}),
    ...(result !== undefined ? { outcome: (o: Outcome) => (result === 'deny' ? o !== 'allow' : o === result) } : {}),
    ...(pathRe || method
      ? { request: (req: { method: string; path: string } | undefined) => req !== undefined && (!pathRe || pathRe.test(req.path)) && (!method || req.method === method) }
      : {}),
    ...(since !== undefined || until !== undefined
      ? { time: (t: number) => !Number.isNaN(t) && (since === undefined || t >= since) && (until === undefined || t <= until) }
      : {}),
    ...(errorCode !== undefined ? { errorCode: (c: string | undefined) => c === errorCode } : {}),
    ...(revision !== undefined ? { revision: (r: string) => r === revision || r.split(',').includes(revision) } : {}),
    ...(reason !== undefined ? { reason: (text: string) => text.toLowerCase().includes(reason) } : {}),
  };
}

/** Compiles a filter into a predicate over logged events. */
export function eventMatcher(filter: EventFilter): (event: Record<string, unknown>) => boolean {
  const t = filterTests(filter);
  return (event) =>
    (!t.decisionId || t.decisionId(event['decision_id'])) &&
    (!t.subject || t.subject(subjectOf(event))) &&
    (!t.outcome || t.outcome(outcomeOf(event))) &&
    (!t.request || t.request(requestOf(event))) &&
    (!t.time || t.time(timeOf(event))) &&
    (!t.errorCode || t.errorCode(errorCodeOf(event))) &&
    (!t.revision || t.revision(revisionOf(event))) &&
    (!t.reason || t.reason(reasonTextOf(event)));
}

/** `/api/orders/**` → matches `/api/orders` and everything below it; `/api/*` one segment. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `/**` at a segment boundary also matches the prefix itself.
      if (re.endsWith('/')) re = `${re.slice(0, -1)}(?:/.*)?`;
      else re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** An ISO 8601 time, or a duration before now: `30s`, `15m`, `2h`, `7d`. */
export function parseTime(text: string, now = Date.now()): Date | undefined {
  const rel = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (rel) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(rel[1]) * unit);
  }
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}
