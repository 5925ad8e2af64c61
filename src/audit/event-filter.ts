/** What `audit query`, `stats` and `replay` select decisions by; every set field must match. */
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
}

export type Outcome = 'allow' | 'deny' | 'error';

/** allow, deny (the policy said no) or error (the decision failed, which denies). */
export function outcomeOf(event: Record<string, unknown>): Outcome {
  if (event['error'] !== undefined) return 'error';
  return (event['result'] as { allow?: unknown } | undefined)?.allow === true ? 'allow' : 'deny';
}

export function subjectOf(event: Record<string, unknown>): string | undefined {
  const s = event['subject'] as { sub?: unknown } | null | undefined;
  return typeof s?.sub === 'string' ? s.sub : undefined;
}

export function requestOf(event: Record<string, unknown>): { method: string; path: string } | undefined {
  const r = event['request'] as { method?: unknown; path?: unknown } | null | undefined;
  return typeof r?.method === 'string' && typeof r.path === 'string' ? { method: r.method, path: r.path } : undefined;
}

/** Compiles a filter into a predicate. */
export function eventMatcher(filter: EventFilter): (event: Record<string, unknown>) => boolean {
  const pathRe = filter.path === undefined ? undefined : globToRegExp(filter.path);
  const method = filter.method?.toUpperCase();
  const since = filter.since?.getTime();
  const until = filter.until?.getTime();
  return (event) => {
    if (filter.decisionId !== undefined && event['decision_id'] !== filter.decisionId) return false;
    if (filter.subject !== undefined && subjectOf(event) !== filter.subject) return false;
    if (filter.result !== undefined) {
      const o = outcomeOf(event);
      if (filter.result === 'deny' ? o === 'allow' : o !== filter.result) return false;
    }
    if (pathRe || method) {
      const req = requestOf(event);
      if (!req) return false;
      if (pathRe && !pathRe.test(req.path)) return false;
      if (method && req.method !== method) return false;
    }
    if (since !== undefined || until !== undefined) {
      const t = typeof event['timestamp'] === 'string' ? Date.parse(event['timestamp']) : Number.NaN;
      if (Number.isNaN(t)) return false;
      if (since !== undefined && t < since) return false;
      if (until !== undefined && t > until) return false;
    }
    return true;
  };
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
