import { SidecarError } from '../../errors/sidecar-error.ts';
import type { EventFilter } from '../event-filter.ts';
import { FILTER_OPTIONS, FilterOptionError, parseFilter, type FilterOption } from '../parse-filter.ts';
import { OUTCOMES, type LogIndex } from './log-index.ts';
import { selectRows } from './query-index.ts';
import { readDecision } from './read-decision.ts';
import { summarizeRows } from './summarize-rows.ts';
import { timelineOf } from './timeline.ts';
import { ALLOW_TO_DENY, type ReplayView } from './replay-view.ts';

/** One decision in a list: what the table shows, from the index alone. */
export interface RowView {
  readonly row: number;
  readonly time: string | null;
  readonly outcome: string;
  readonly subject: string | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly revision: string;
  readonly errorCode: string | null;
  readonly reason: string | null;
}

const FILTERS: readonly FilterOption[] = FILTER_OPTIONS;
const PAGING = ['offset', 'limit', 'order', 'top'];
const MAX_LIMIT = 200;
const MAX_CHOICES = 1000;

/**
 * The page's JSON API: every answer is computed on the server from the index (counts, buckets,
 * one page of rows), so the browser never receives the log. Read-only: GET only.
 */
export function createExplorerApi(index: LogIndex, replay: ReplayView | undefined): (url: URL) => Promise<unknown> {
  return async (url) => {
    const p = url.pathname;
    if (p === '/api/status') return status(index, replay);
    if (p === '/api/summary') {
      const filter = filterOf(url);
      const rows = await selectRows(index, filter);
      const top = int(url, 'top', 10, 1, 100);
      return { summary: summarizeRows(index, rows, top), timeline: timelineOf(index, rows, { ...(filter.since ? { from: filter.since.getTime() } : {}), ...(filter.until ? { to: filter.until.getTime() } : {}) }) };
    }
    if (p === '/api/decisions') return page(url, await selectRows(index, filterOf(url)), (r) => rowView(index, r));
    const one = /^\/api\/decisions\/(\d{1,10})$/.exec(p);
    if (one) return readDecision(index, Number(one[1]));
    if (p === '/api/replay') {
      if (!replay) throw new SidecarError('not_found', 'no candidate bundle: start audit serve with --bundle <bundle.tar.gz>');
      const selected = await selectRows(index, filterOf(url));
      const { rows, direction } = replay.changed();
      const inSelection = new Uint8Array(index.rows);
      for (let i = 0; i < selected.length; i++) inSelection[selected[i]!] = 1;
      const changed: number[] = [];
      for (let i = 0; i < rows.length; i++) if (inSelection[rows[i]!] === 1) changed.push(i);
      return {
        status: replay.status(),
        groups: replay.groups(selected, int(url, 'top', 10, 1, 100)),
        ...page(url, changed, (i) => ({ ...rowView(index, rows[i]!), change: direction[i] === ALLOW_TO_DENY ? 'allow->deny' : 'deny->allow' })),
      };
    }
    if (p === '/api/problems') {
      return page(url, index.verify.problems, (problem) => {
        const sep = problem.at.lastIndexOf(':');
        const row = index.rowAt(problem.at.slice(0, sep), Number(problem.at.slice(sep + 1)));
        return { ...problem, ...(row !== undefined ? { row } : {}) };
      });
    }
    throw new SidecarError('not_found', `no such API: ${p}`);
  };
}

function status(index: LogIndex, replay: ReplayView | undefined) {
  const { problems, ...verify } = index.verify;
  return {
    files: index.files,
    checkpointFiles: index.checkpointFiles,
    decisions: index.rows,
    unreadable: index.unreadable,
    verify: { ...verify, problemCount: problems.length, firstProblem: problems[0] ?? null },
    replay: replay !== undefined,
    // What the form's lists offer; capped, since a hostile log can hold any number of them.
    choices: {
      errorCodes: index.dict.errorCode.keys().sort().slice(0, MAX_CHOICES),
      revisions: index.dict.revision.keys().slice(0, MAX_CHOICES),
      methods: [...new Set(Array.from({ length: index.dict.request.size - 1 }, (_, i) => index.dict.request.value(i + 1)!.method))].sort().slice(0, MAX_CHOICES),
    },
  };
}

function filterOf(url: URL): EventFilter {
  for (const name of url.searchParams.keys()) {
    if (!(FILTERS as readonly string[]).includes(name) && !PAGING.includes(name)) {
      throw new SidecarError('invalid_request', `unknown parameter '${name}' (filters: ${FILTERS.join(', ')})`);
    }
  }
  try {
    return parseFilter((k) => url.searchParams.get(k) || undefined);
  } catch (err) {
    if (err instanceof FilterOptionError) throw new SidecarError('invalid_request', err.message);
    throw err;
  }
}

/** `offset`, `limit` (at most 200) and `order` (`desc`, newest first, by default) over a selection. */
function page<T, V>(url: URL, items: ArrayLike<T>, view: (item: T) => V): { total: number; offset: number; limit: number; order: string; items: V[] } {
  const offset = int(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = int(url, 'limit', 50, 1, MAX_LIMIT);
  const order = url.searchParams.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new SidecarError('invalid_request', `order must be asc or desc, got '${order}'`);
  const out: V[] = [];
  for (let k = offset; k < Math.min(items.length, offset + limit); k++) out.push(view(items[order === 'asc' ? k : items.length - 1 - k]!));
  return { total: items.length, offset, limit, order, items: out };
}

function int(url: URL, name: string, fallback: number, min: number, max: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return fallback;
  const n = Number(v);
  if (!/^\d{1,16}$/.test(v) || n < min || n > max) throw new SidecarError('invalid_request', `${name} must be an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

/** One row as the lists show it, from the index alone. */
function rowView(index: LogIndex, r: number): RowView {
  const { col, dict } = index;
  const t = col.time[r]!;
  const req = dict.request.value(col.request[r]!);
  return {
    row: r,
    time: Number.isNaN(t) ? null : new Date(t).toISOString(),
    outcome: OUTCOMES[col.outcome[r]!]!,
    subject: dict.subject.value(col.subject[r]!) ?? null,
    method: req?.method ?? null,
    path: req?.path ?? null,
    revision: dict.revision.key(col.revision[r]!),
    errorCode: dict.errorCode.value(col.errorCode[r]!) ?? null,
    reason: dict.reason.value(col.reason[r]!) ?? null,
  };
}
