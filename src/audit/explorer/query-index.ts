import { filterTests, type EventFilter } from '../event-filter.ts';
import { idHash, OUTCOMES, type LogIndex } from './log-index.ts';
import { readLineAt } from './read-decision.ts';

/**
 * The rows (in log order) of the decisions that match a filter: the same per-field tests as
 * `audit query` (event-filter.ts), applied to each distinct value of a dictionary column once,
 * then to the rows by id. A million rows take tens of milliseconds; the last few answers are
 * kept, since the page asks for the summary and a page of rows with the same filter.
 *
 * Decision ids are not kept, only a 32-bit hash of each: the rows whose hash matches are read
 * again and kept when their decision id is the one asked for.
 */
export async function selectRows(index: LogIndex, filter: EventFilter): Promise<Int32Array> {
  const rows = matchRows(index, filter);
  if (filter.decisionId === undefined) return rows;
  const confirmed: number[] = [];
  for (const r of rows) {
    try {
      if ((JSON.parse(await readLineAt(index, r)) as { decision_id?: unknown }).decision_id === filter.decisionId) confirmed.push(r);
    } catch {
      // the file changed since it was indexed: the row cannot be confirmed
    }
  }
  return Int32Array.from(confirmed);
}

/** The rows that match, decision-id candidates unconfirmed (selectRows confirms them). */
function matchRows(index: LogIndex, filter: EventFilter): Int32Array {
  const key = cacheKey(filter);
  const cached = cache.get(index)?.get(key);
  if (cached) return cached;
  const rows = compute(index, filter);
  let perIndex = cache.get(index);
  if (!perIndex) cache.set(index, (perIndex = new Map()));
  if (perIndex.size >= CACHED) perIndex.delete(perIndex.keys().next().value!);
  perIndex.set(key, rows);
  return rows;
}

const CACHED = 8;
const cache = new WeakMap<LogIndex, Map<string, Int32Array>>();

function cacheKey(filter: EventFilter): string {
  return JSON.stringify(Object.entries(filter).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function compute(index: LogIndex, filter: EventFilter): Int32Array {
  const t = filterTests(filter);
  const { col, dict } = index;
  const id = filter.decisionId === undefined ? undefined : idHash(filter.decisionId);
  const subject = t.subject && dict.subject.mask(t.subject);
  const request = t.request && dict.request.mask(t.request);
  const errorCode = t.errorCode && dict.errorCode.mask(t.errorCode);
  const revision = t.revision && dict.revision.mask((r) => r !== undefined && t.revision!(r));
  const reason = t.reason && dict.reason.mask((r) => t.reason!(r ?? ''));
  const outcome = t.outcome && Uint8Array.from(OUTCOMES, (o) => (t.outcome!(o) ? 1 : 0));
  const time = t.time;
  const out = new Int32Array(index.rows);
  let n = 0;
  for (let r = 0; r < index.rows; r++) {
    if (outcome && outcome[col.outcome[r]!] === 0) continue;
    if (subject && subject[col.subject[r]!] === 0) continue;
    if (request && request[col.request[r]!] === 0) continue;
    if (errorCode && errorCode[col.errorCode[r]!] === 0) continue;
    if (revision && revision[col.revision[r]!] === 0) continue;
    if (reason && reason[col.reason[r]!] === 0) continue;
    if (time && !time(col.time[r]!)) continue;
    if (id !== undefined && col.idHash[r] !== id) continue;
    out[n++] = r;
  }
  return out.slice(0, n);
}
