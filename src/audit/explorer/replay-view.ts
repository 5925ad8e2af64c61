import { replayLog, type ReplayReport } from '../replay-log.ts';
import { subjectKey, ranked } from '../summarize-log.ts';
import { Column } from './columns.ts';
import type { LogIndex } from './log-index.ts';

/** Where the background replay is: running (with progress), done (audit replay's counts) or failed. */
export type ReplayState =
  | { readonly state: 'running'; readonly selected: number; readonly total: number }
  | { readonly state: 'done'; readonly report: Omit<ReplayReport, 'changes'> }
  | { readonly state: 'failed'; readonly error: string };

/** Which way a decision would change. */
export const ALLOW_TO_DENY = 1;
const DENY_TO_ALLOW = 2;

export interface ReplayView {
  status(): ReplayState;
  /** Rows (in log order) of the decisions the candidate would change, and which way (ALLOW_TO_DENY, DENY_TO_ALLOW), so far. */
  changed(): { readonly rows: Int32Array; readonly direction: Uint8Array };
  /** The changes among `rows` (a filter's selection), grouped by request and by subject, most first. */
  groups(rows: Int32Array, top: number): ReplayGroups;
}

export interface ReplayGroups {
  readonly changed: number;
  readonly byPath: readonly ReplayGroup[];
  readonly bySubject: readonly ReplayGroup[];
}

export interface ReplayGroup {
  readonly key: string;
  readonly allowToDeny: number;
  readonly denyToAllow: number;
}

/**
 * Runs `audit replay` (replay-log.ts, the same code) over every logged decision in the
 * background, and keeps the changed decisions as rows of the index, so the page can filter,
 * group and page through them while the replay runs.
 */
export function startReplay(index: LogIndex, options: { bundle: string; entrypoint?: string }): ReplayView {
  const rows = new Column(Int32Array);
  const direction = new Column(Uint8Array);
  let state: ReplayState = { state: 'running', selected: 0, total: index.rows };
  void replayLog(index.files, {
    bundle: options.bundle,
    ...(options.entrypoint ? { entrypoint: options.entrypoint } : {}),
    maxListed: 0,
    onProgress: (selected) => (state = { state: 'running', selected, total: index.rows }),
    onChange: (change) => {
      const sep = change.at.lastIndexOf(':');
      const row = index.rowAt(change.at.slice(0, sep), Number(change.at.slice(sep + 1)));
      if (row === undefined) return; // not indexed: the file changed since
      rows.push(row);
      direction.push(change.before.allow ? ALLOW_TO_DENY : DENY_TO_ALLOW);
    },
  }).then(
    ({ changes: _none, ...report }) => (state = { state: 'done', report }),
    (err: unknown) => (state = { state: 'failed', error: err instanceof Error ? err.message : String(err) }),
  );
  const changed = (): { rows: Int32Array; direction: Uint8Array } => ({ rows: rows.trim(), direction: direction.trim() });
  return {
    status: () => state,
    changed,
    groups(selected, top) {
      const { rows: changedRows, direction: dir } = changed();
      const { col, dict } = index;
      const inSelection = new Uint8Array(index.rows);
      for (let i = 0; i < selected.length; i++) inSelection[selected[i]!] = 1;
      const byPath = new Map<number, [number, number]>();
      const bySubject = new Map<number, [number, number]>();
      let n = 0;
      for (let i = 0; i < changedRows.length; i++) {
        const r = changedRows[i]!;
        if (inSelection[r] === 0) continue;
        n++;
        const k = dir[i] === ALLOW_TO_DENY ? 0 : 1;
        bump(byPath, col.request[r]!, k);
        bump(bySubject, col.subject[r]!, k);
      }
      const group = (m: Map<number, [number, number]>, key: (id: number) => string): ReplayGroup[] => {
        const counts = new Map([...m].map(([id, c]) => [key(id), c] as const));
        return ranked([...counts].map(([k, c]) => [k, c[0] + c[1]] as [string, number]), top).map(([k]) => ({ key: k, allowToDeny: counts.get(k)![0], denyToAllow: counts.get(k)![1] }));
      };
      return {
        changed: n,
        byPath: group(byPath, (id) => dict.request.key(id) || '(no request)'),
        bySubject: group(bySubject, (id) => subjectKey(dict.subject.value(id))),
      };
    },
  };
}

function bump(m: Map<number, [number, number]>, id: number, k: 0 | 1): void {
  const c = m.get(id);
  if (c) c[k]++;
  else m.set(id, k === 0 ? [1, 0] : [0, 1]);
}
