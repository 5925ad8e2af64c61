import type { LogIndex } from './log-index.ts';

/** Decisions per time bucket, for the page's charts; every array has one entry per bucket. */
export interface Timeline {
  /** Start of the first bucket, ms since the epoch; bucket i starts at start + i * width. */
  readonly start: number;
  readonly width: number;
  readonly allow: readonly number[];
  /** The policy's denies (errors, which also deny, are counted apart). */
  readonly deny: readonly number[];
  readonly error: readonly number[];
  /** The most frequent revisions (and `other`): decisions and the policy's denies per bucket. */
  readonly revisions: readonly { readonly revision: string; readonly decisions: readonly number[]; readonly denied: readonly number[] }[];
}

/** Bucket widths a person reads easily, from a second to a week. */
const WIDTHS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((s) => s * 1000);
const MAX_REVISIONS = 6;

/**
 * Buckets the selected rows over [from, to] (default: their first and last decision) into at
 * most `maxBuckets` buckets of a readable width. Rows without a timestamp are left out.
 */
export function timelineOf(index: LogIndex, rows: Int32Array, range: { from?: number; to?: number } = {}, maxBuckets = 240): Timeline {
  const { col, dict } = index;
  let from = range.from ?? Infinity;
  let to = range.to ?? -Infinity;
  if (range.from === undefined || range.to === undefined) {
    for (let i = 0; i < rows.length; i++) {
      const t = col.time[rows[i]!]!;
      if (range.from === undefined && t < from) from = t;
      if (range.to === undefined && t > to) to = t;
    }
  }
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return { start: 0, width: WIDTHS[0]!, allow: [], deny: [], error: [], revisions: [] };
  const width = WIDTHS.find((w) => (to - from) / w < maxBuckets) ?? WIDTHS.at(-1)!;
  const start = Math.floor(from / width) * width;
  const n = Math.floor((to - start) / width) + 1;
  const series = [new Array<number>(n).fill(0), new Array<number>(n).fill(0), new Array<number>(n).fill(0)] as const;

  // The revisions with the most decisions in range get their own series; the rest share `other`.
  const perRevision = new Uint32Array(dict.revision.size);
  for (let i = 0; i < rows.length; i++) perRevision[col.revision[rows[i]!]!]!++;
  const shown = [...perRevision.keys()].filter((id) => perRevision[id]! > 0).sort((a, b) => perRevision[b]! - perRevision[a]! || a - b);
  const slot = new Int32Array(dict.revision.size).fill(Math.min(shown.length, MAX_REVISIONS));
  shown.slice(0, MAX_REVISIONS).forEach((id, k) => (slot[id] = k));
  const slots = Math.min(shown.length, MAX_REVISIONS + 1);
  const decisions = Array.from({ length: slots }, () => new Array<number>(n).fill(0));
  const denied = Array.from({ length: slots }, () => new Array<number>(n).fill(0));

  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const t = col.time[r]!;
    if (!(t >= start && t <= to)) continue;
    const b = Math.floor((t - start) / width);
    const o = col.outcome[r]!;
    series[o]![b]!++;
    const s = slot[col.revision[r]!]!;
    decisions[s]![b]!++;
    if (o === 1) denied[s]![b]!++;
  }
  return {
    start,
    width,
    allow: series[0],
    deny: series[1],
    error: series[2],
    revisions: decisions.map((d, k) => ({ revision: k < MAX_REVISIONS && k < shown.length ? dict.revision.key(shown[k]!) : 'other', decisions: d, denied: denied[k]! })),
  };
}
