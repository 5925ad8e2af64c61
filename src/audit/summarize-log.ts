import { outcomeOf, requestOf, subjectOf } from './event-filter.ts';

export interface LogSummary {
  readonly decisions: number;
  readonly allow: number;
  /** Every decision that did not allow: the policy's denies plus errors. */
  readonly deny: number;
  readonly errors: number;
  readonly errorCodes: readonly [string, number][];
  readonly from?: string;
  readonly to?: string;
  /** Decisions per bundle revision. */
  readonly revisions: readonly [string, number][];
  /** `METHOD /path` most often denied. */
  readonly topDeniedPaths: readonly [string, number][];
  readonly topDeniedSubjects: readonly [string, number][];
}

export interface Summarizer {
  add(event: Record<string, unknown>): void;
  result(top: number): LogSummary;
}

/** Counts allows and denies and ranks what is denied most, in one pass with memory per distinct path and subject. */
export function createSummarizer(): Summarizer {
  let decisions = 0;
  let allow = 0;
  let errors = 0;
  let from: string | undefined;
  let to: string | undefined;
  const codes = new Map<string, number>();
  const revisions = new Map<string, number>();
  const deniedPaths = new Map<string, number>();
  const deniedSubjects = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  const ranked = (m: Map<string, number>, n: number): [string, number][] =>
    [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);

  return {
    add(event) {
      decisions++;
      const ts = event['timestamp'];
      if (typeof ts === 'string') {
        if (from === undefined || ts < from) from = ts;
        if (to === undefined || ts > to) to = ts;
      }
      const bundles = event['bundles'] as Record<string, { revision?: unknown }> | undefined;
      const revs = Object.values(bundles ?? {}).map((b) => String(b?.revision));
      bump(revisions, revs.length > 0 ? revs.join(',') : '(no bundle)');
      const outcome = outcomeOf(event);
      if (outcome === 'allow') {
        allow++;
        return;
      }
      if (outcome === 'error') {
        errors++;
        bump(codes, String((event['error'] as { code?: unknown }).code ?? '?'));
      }
      const req = requestOf(event);
      if (req) bump(deniedPaths, `${req.method} ${req.path}`);
      bump(deniedSubjects, subjectOf(event) ?? '(no verified subject)');
    },
    result(top) {
      return {
        decisions,
        allow,
        deny: decisions - allow,
        errors,
        errorCodes: ranked(codes, Number.MAX_SAFE_INTEGER),
        ...(from !== undefined ? { from, to } : {}),
        revisions: ranked(revisions, Number.MAX_SAFE_INTEGER),
        topDeniedPaths: ranked(deniedPaths, top),
        topDeniedSubjects: ranked(deniedSubjects, top),
      };
    },
  };
}
