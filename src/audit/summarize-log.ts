import { errorCodeOf, outcomeOf, requestOf, revisionOf, subjectOf } from './event-filter.ts';

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

  return {
    add(event) {
      decisions++;
      const ts = event['timestamp'];
      if (typeof ts === 'string') {
        if (from === undefined || ts < from) from = ts;
        if (to === undefined || ts > to) to = ts;
      }
      bump(revisions, revisionOf(event));
      const outcome = outcomeOf(event);
      if (outcome === 'allow') {
        allow++;
        return;
      }
      if (outcome === 'error') {
        errors++;
        bump(codes, errorCodeOf(event)!);
      }
      const req = requestOf(event);
      if (req) bump(deniedPaths, requestKey(req));
      bump(deniedSubjects, subjectKey(subjectOf(event)));
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

/** How `stats` and the explorer name a request: `METHOD /path`. */
export function requestKey(req: { readonly method: string; readonly path: string }): string {
  return `${req.method} ${req.path}`;
}

/** How `stats` and the explorer name a subject; decisions without a verified token have none. */
export function subjectKey(sub: string | undefined): string {
  return sub ?? NO_SUBJECT;
}

const NO_SUBJECT = '(no verified subject)';

/** Most first, ties in name order; the top n. */
export function ranked(counts: Iterable<[string, number]>, n: number): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, n);
}
