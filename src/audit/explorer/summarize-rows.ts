import { ranked, subjectKey, type LogSummary } from '../summarize-log.ts';
import type { LogIndex } from './log-index.ts';

/** `audit stats`'s summary, plus what the page ranks and tabulates besides. */
export interface ExplorerSummary extends LogSummary {
  /** Reasons (one per line, then the error message) of the most denied decisions. */
  readonly topDeniedReasons: readonly [string, number][];
  /** Per revision, by decisions: allows, the policy's denies, errors, and when it decided first and last. */
  readonly revisionTable: readonly { readonly revision: string; readonly allow: number; readonly deny: number; readonly errors: number; readonly from?: string; readonly to?: string }[];
}

const ALLOW = 0;
const ERROR = 2;

/**
 * The summary of the selected rows, with the definitions and ranking of `audit stats`
 * (summarize-log.ts: a deny is every decision that did not allow; ties ranked by name), counted
 * in typed arrays by dictionary id rather than in Maps by string: a million rows in milliseconds.
 * test/audit/explorer-index.test.ts checks it equals createSummarizer's over the same decisions.
 */
export function summarizeRows(index: LogIndex, rows: Int32Array, top: number): ExplorerSummary {
  const { col, dict } = index;
  const deniedSubjects = new Uint32Array(dict.subject.size);
  const deniedRequests = new Uint32Array(dict.request.size);
  const deniedReasons = new Uint32Array(dict.reason.size);
  const codes = new Uint32Array(dict.errorCode.size);
  const revs = dict.revision.size;
  const perRev = { allow: new Uint32Array(revs), deny: new Uint32Array(revs), errors: new Uint32Array(revs), from: new Float64Array(revs).fill(Infinity), to: new Float64Array(revs).fill(-Infinity) };
  let allow = 0;
  let errors = 0;
  let from = Infinity;
  let to = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const t = col.time[r]!;
    const rev = col.revision[r]!;
    if (t < from) from = t;
    if (t > to) to = t;
    if (t < perRev.from[rev]!) perRev.from[rev] = t;
    if (t > perRev.to[rev]!) perRev.to[rev] = t;
    const o = col.outcome[r]!;
    if (o === ALLOW) {
      allow++;
      perRev.allow[rev]!++;
      continue;
    }
    if (o === ERROR) {
      errors++;
      perRev.errors[rev]!++;
      codes[col.errorCode[r]!]!++;
    } else perRev.deny[rev]!++;
    deniedSubjects[col.subject[r]!]!++;
    const req = col.request[r]!;
    if (req !== 0) deniedRequests[req]!++;
    const reason = col.reason[r]!;
    if (reason !== 0) deniedReasons[reason]!++;
  }
  const byKey = (counts: Uint32Array, key: (id: number) => string, skipNone = true): [string, number][] => {
    const out: [string, number][] = [];
    for (let id = skipNone ? 1 : 0; id < counts.length; id++) if (counts[id]! > 0) out.push([key(id), counts[id]!]);
    return out;
  };
  const revisionTotals = perRev.allow.map((n, id) => n + perRev.deny[id]! + perRev.errors[id]!);
  const revisionCounts = ranked(byKey(revisionTotals, (id) => dict.revision.key(id)), Number.MAX_SAFE_INTEGER);
  const revisionIds = new Map(dict.revision.keys().map((k, i) => [k, i + 1]));
  const iso = (t: number): string | undefined => (Number.isFinite(t) ? new Date(t).toISOString() : undefined);
  return {
    decisions: rows.length,
    allow,
    deny: rows.length - allow,
    errors,
    errorCodes: ranked(byKey(codes, (id) => dict.errorCode.key(id)), Number.MAX_SAFE_INTEGER),
    ...(iso(from) !== undefined ? { from: iso(from), to: iso(to) } : {}),
    revisions: revisionCounts,
    topDeniedPaths: ranked(byKey(deniedRequests, (id) => dict.request.key(id)), top),
    topDeniedSubjects: ranked(byKey(deniedSubjects, (id) => subjectKey(dict.subject.value(id)), false), top),
    topDeniedReasons: ranked(byKey(deniedReasons, (id) => dict.reason.key(id)), top),
    revisionTable: revisionCounts.map(([revision]) => {
      const id = revisionIds.get(revision)!;
      const first = iso(perRev.from[id]!);
      return { revision, allow: perRev.allow[id]!, deny: perRev.deny[id]!, errors: perRev.errors[id]!, ...(first !== undefined ? { from: first, to: iso(perRev.to[id]!) } : {}) };
    }),
  };
}
