import { statSync } from 'node:fs';
import { classifyFiles, readLines, type LogLine } from '../read-log.ts';
import type { ChainRecords } from '../chain-records.ts';
import { createChainVerifier, type VerifyOptions, type VerifyProblem, type VerifyReport } from '../verify-log.ts';
import { errorCodeOf, outcomeOf, reasonTextOf, requestOf, revisionOf, subjectOf, timeOf, type Outcome } from '../event-filter.ts';
import { requestKey } from '../summarize-log.ts';
import { Column, Dictionary } from './columns.ts';

/** `col.outcome` holds an index into this. */
export const OUTCOMES: readonly Outcome[] = ['allow', 'deny', 'error'];

/** A decision's normalised request, as logged. */
export interface Request {
  readonly method: string;
  readonly path: string;
}

/**
 * What the explorer knows about every decision without reading the log again: one row per
 * decision (in log order), each a few typed-array columns (about 50 bytes), values that repeat
 * (subjects, requests, reasons, codes, revisions) kept once in dictionaries, and where the line
 * is, to read it again for the detail view. The chain verification report comes from the same
 * pass (verify-log.ts's verifier, fed line by line); of the chain only each row's hash is kept
 * afterwards, to tell that a line read again is still the one that was verified.
 */
export interface LogIndex {
  /** Decision log files, in rotation order. */
  readonly files: readonly string[];
  readonly checkpointFiles: readonly string[];
  readonly rows: number;
  /** Lines that are not JSON objects (not indexed; `verify` reports them as malformed). */
  readonly unreadable: number;
  readonly verify: VerifyReport;
  /** Each row's chain hash, 32 bytes per row (zeros when the line is not a chained record: see `col.chained`). */
  readonly hashes: Buffer;
  /** Verification problems by `file:line`. */
  readonly problemsAt: ReadonlyMap<string, readonly VerifyProblem[]>;
  readonly col: {
    /** ms since the epoch, NaN without a timestamp. */
    readonly time: Float64Array;
    /** Index into OUTCOMES. */
    readonly outcome: Uint8Array;
    readonly subject: Uint32Array;
    readonly request: Uint32Array;
    readonly errorCode: Uint32Array;
    readonly revision: Uint32Array;
    readonly reason: Uint32Array;
    readonly file: Uint16Array;
    readonly line: Uint32Array;
    readonly offset: Float64Array;
    readonly bytes: Uint32Array;
    /** 1 when the line is a chained record. */
    readonly chained: Uint8Array;
    /** A 32-bit hash of the decision id (0 without one): finds the candidates for a decision-id filter, which query-index.ts confirms by reading them. */
    readonly idHash: Uint32Array;
  };
  readonly dict: {
    readonly subject: Dictionary<string>;
    readonly request: Dictionary<Request>;
    readonly errorCode: Dictionary<string>;
    readonly revision: Dictionary<string>;
    readonly reason: Dictionary<string>;
  };
  /** The row of the decision at `file:line`, if it is one. */
  rowAt(file: string, line: number): number | undefined;
}

/** Reported every 100,000 decisions while indexing. */
export interface IndexProgress {
  readonly rows: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

/** Reads the files once, streaming, and builds the index (and verifies the chain in the same pass). */
export async function buildLogIndex(files: readonly string[], options: VerifyOptions & { progress?: (p: IndexProgress) => void } = {}): Promise<LogIndex> {
  const { logs, checkpoints } = await classifyFiles(files);
  if (logs.length > 0xffff) throw new TypeError(`at most ${0xffff} log files, got ${logs.length}`);
  const totalBytes = logs.reduce((n, f) => n + statSync(f).size, 0);
  const verifier = createChainVerifier();
  const rows = createRows();
  let unreadable = 0;
  let bytesDone = 0;
  for (const [fileIndex, file] of logs.entries()) {
    verifier.startFile(file);
    for await (const l of readLines(file)) {
      const record = verifier.addLine(l);
      bytesDone += l.bytes + 1;
      if (l.text === '') continue;
      const event = parseObject(l.text);
      if (!event) unreadable++;
      else if (rows.add(event, fileIndex, l, record ?? -1) % 100_000 === 0) options.progress?.({ rows: rows.length, bytes: bytesDone, totalBytes });
    }
  }
  const verify = await verifier.finish(checkpoints, options);
  const { col, hashes } = rows.finish(verifier.records);
  const problemsAt = new Map<string, VerifyProblem[]>();
  for (const p of verify.problems) problemsAt.set(p.at, [...(problemsAt.get(p.at) ?? []), p]);
  return {
    files: logs,
    checkpointFiles: checkpoints,
    rows: col.time.length,
    unreadable,
    verify,
    hashes,
    problemsAt,
    col,
    dict: rows.dict,
    rowAt: (file, line) => rowAt(col, logs.indexOf(file), line),
  };
}

/** The columns and dictionaries while they grow: one row per decision. */
function createRows() {
  const c = {
    time: new Column(Float64Array),
    outcome: new Column(Uint8Array),
    subject: new Column(Uint32Array),
    request: new Column(Uint32Array),
    errorCode: new Column(Uint32Array),
    revision: new Column(Uint32Array),
    reason: new Column(Uint32Array),
    file: new Column(Uint16Array),
    line: new Column(Uint32Array),
    offset: new Column(Float64Array),
    bytes: new Column(Uint32Array),
    record: new Column(Int32Array),
    idHash: new Column(Uint32Array),
  };
  const same = (k: string): string => k;
  const dict = {
    subject: new Dictionary<string>(same),
    request: new Dictionary<Request>((_k, req) => req as Request),
    errorCode: new Dictionary<string>(same),
    revision: new Dictionary<string>(same),
    reason: new Dictionary<string>(same),
  };
  return {
    dict,
    get length(): number {
      return c.time.length;
    },
    /** Appends the event's row; returns the number of rows. */
    add(event: Record<string, unknown>, file: number, l: LogLine, record: number): number {
      c.time.push(timeOf(event));
      c.outcome.push(OUTCOMES.indexOf(outcomeOf(event)));
      c.subject.push(dict.subject.id(subjectOf(event)));
      const req = requestOf(event);
      c.request.push(dict.request.id(req && requestKey(req), req));
      c.errorCode.push(dict.errorCode.id(errorCodeOf(event)));
      c.revision.push(dict.revision.id(revisionOf(event)));
      c.reason.push(dict.reason.id(reasonTextOf(event) || undefined));
      c.file.push(file);
      c.line.push(l.line);
      c.offset.push(l.offset);
      c.bytes.push(l.bytes);
      c.record.push(record);
      c.idHash.push(idHash(event['decision_id']));
      return c.time.length;
    },
    /** The columns at their final length, and each row's chain hash copied out of the verifier's records. */
    finish(chain: ChainRecords): { col: LogIndex['col']; hashes: Buffer } {
      const records = c.record.trim();
      const hashes = Buffer.alloc(records.length * 32);
      for (let r = 0; r < records.length; r++) if (records[r]! >= 0) chain.copyHash(records[r]!, hashes, r * 32);
      const col = {
        time: c.time.trim(),
        outcome: c.outcome.trim(),
        subject: c.subject.trim(),
        request: c.request.trim(),
        errorCode: c.errorCode.trim(),
        revision: c.revision.trim(),
        reason: c.reason.trim(),
        file: c.file.trim(),
        line: c.line.trim(),
        offset: c.offset.trim(),
        bytes: c.bytes.trim(),
        chained: Uint8Array.from(records, (rec) => (rec >= 0 ? 1 : 0)),
        idHash: c.idHash.trim(),
      };
      return { col, hashes };
    },
  };
}

/** FNV-1a over the id's UTF-16 code units; 0 for no id (a real id hashing to 0 is only looked at more often). */
export function idHash(id: unknown): number {
  if (typeof id !== 'string') return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Rows are in (file, line) order: binary search. */
function rowAt(col: { file: Uint16Array; line: Uint32Array }, file: number, line: number): number | undefined {
  if (file < 0) return undefined;
  let lo = 0;
  let hi = col.file.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const f = col.file[mid]!;
    const l = col.line[mid]!;
    if (f === file && l === line) return mid;
    if (f < file || (f === file && l < line)) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
