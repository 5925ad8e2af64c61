import type { KeyObject } from 'node:crypto';
import { parseChainFields } from '../decision-log/hash-chain.ts';
import { ChainRecords } from './chain-records.ts';
import { checkCheckpoints } from './check-checkpoints.ts';
import { classifyFiles, readLines, type LogLine } from './read-log.ts';

export type ProblemKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'malformed' | 'truncated' | 'restarted' | 'checkpoint';

export interface VerifyProblem {
  readonly kind: ProblemKind;
  /** `file:line`, where to look. */
  readonly at: string;
  readonly seq?: number;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly files: readonly { readonly file: string; readonly records: number; readonly firstSeq?: number; readonly lastSeq?: number }[];
  readonly records: number;
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  /** The first record given is the chain's first ever (seq 0). */
  readonly fromGenesis: boolean;
  readonly checkpoints: { readonly checked: boolean; readonly valid: number; readonly matched: number; readonly beforeRange: number; readonly latestSeq?: number };
  readonly problems: readonly VerifyProblem[];
}

export interface VerifyOptions {
  /** Public key of the checkpoint signer; without it checkpoint files are not checked. */
  readonly key?: KeyObject;
  /** Report records missing before the first one given (the log must start at seq 0). */
  readonly requireGenesis?: boolean;
}

/** How far back a broken link is examined to tell an insertion from a reordering (keeps verify linear). */
const MAX_SPAN = 10_000;

/**
 * The chain check fed one line at a time, so a caller that reads the log for another purpose
 * (the explorer's index) verifies it in the same pass. `verifyLog` is this over the files.
 */
export interface ChainVerifier {
  /** The following lines come from this file (log files in rotation order: see classifyFiles). */
  startFile(file: string): void;
  /** One line; returns the index of its chain record, or undefined when it is not one (reported as malformed). */
  addLine(l: LogLine): number | undefined;
  /** What was read so far, by record index (for the explorer's view of a record's place in the chain). */
  readonly records: ChainRecords;
  /** Classifies every break, checks the checkpoint files, and reports. */
  finish(checkpointFiles: readonly string[], options?: VerifyOptions): Promise<VerifyReport>;
}

export function createChainVerifier(): ChainVerifier {
  const recs = new ChainRecords();
  const problems: VerifyProblem[] = [];
  const perFile: { file: string; records: number; firstSeq?: number; lastSeq?: number }[] = [];
  let current: (typeof perFile)[number] | undefined;
  return {
    records: recs,
    startFile(file) {
      recs.startFile(file);
      current = { file, records: 0 };
      perFile.push(current);
    },
    addLine(l) {
      if (!current) throw new TypeError('startFile() before addLine()');
      const fields = parseChainFields(l.text);
      if (!fields) {
        problems.push({
          kind: 'malformed',
          at: `${current.file}:${l.line}`,
          message: l.unterminated ? 'the file ends in a partial record (a crash while writing, or a cut)' : l.text === '' ? 'an empty line' : 'not a chained record (its end was edited, or it was written without a chain)',
        });
        return undefined;
      }
      current.records++;
      current.firstSeq ??= fields.seq;
      current.lastSeq = fields.seq;
      return recs.add(l.line, fields);
    },
    async finish(checkpointFiles, options = {}) {
      const top = classify(recs, options, problems);
      let minSeq: number | undefined;
      for (let i = 0; i < recs.length; i++) if (minSeq === undefined || recs.seq(i) < minSeq) minSeq = recs.seq(i);
      const maxSeq = recs.length > 0 ? recs.seq(top) : undefined;
      const cp = await checkCheckpoints(checkpointFiles, recs, options.key, { minSeq, maxSeq }, problems);
      return {
        ok: problems.length === 0,
        files: perFile,
        records: recs.length,
        ...(minSeq !== undefined ? { firstSeq: recs.seq(0), lastSeq: maxSeq } : {}),
        fromGenesis: recs.length > 0 && recs.seq(0) === 0,
        checkpoints: cp,
        problems,
      };
    },
  };
}

/**
 * Checks the hash chain of decision log files (given in any order: rotated files are put in
 * the writer's order) and, with a public key, their signed checkpoints. Every problem names the
 * kind of tampering and where:
 *
 * - modified: a record's bytes no longer match its hash; or (`re-hashed`) the next record links
 *   to a different version of it; or a signed checkpoint disagrees with it
 * - deleted: seq numbers jump and the link is broken (records, or a whole rotated file, are gone)
 * - inserted: a record the chain does not go through (forged, or a copy of another record)
 * - reordered: a record appears after one with a higher seq
 * - truncated: a signed checkpoint covers records beyond the end of the log
 * - malformed: a line that is not a chained record (torn by a crash, or edited beyond recognition)
 *
 * The classification reads seq numbers, which an editor can change; the detection does not
 * depend on it: any change to the chain breaks a hash or a link, and is reported.
 */
export async function verifyLog(files: readonly string[], options: VerifyOptions = {}): Promise<VerifyReport> {
  const { logs, checkpoints } = await classifyFiles(files);
  const verifier = createChainVerifier();
  for (const file of logs) {
    verifier.startFile(file);
    for await (const l of readLines(file)) verifier.addLine(l);
  }
  return verifier.finish(checkpoints, options);
}

/** Walks the records in reading order and reports every break; returns the index of the record with the highest seq. */
function classify(recs: ChainRecords, options: VerifyOptions, problems: VerifyProblem[]): number {
  const at = (i: number): string => recs.at(i);
  const seq = (i: number): number => recs.seq(i);
  // Records accepted out of place (their predecessor comes later, or reported as reordered):
  // links around them are consequences of that one move, not new problems.
  const displaced = new Set<number>();
  let last = -1;
  let top = -1;
  for (let i = 0; i < recs.length; i++) {
    const s = seq(i);
    if (!recs.intact(i)) problems.push({ kind: 'modified', at: at(i), seq: s, message: 'the record does not match its hash: its content was changed' });
    const first = recs.firstWithHashOf(i)!;
    if (first < i) {
      problems.push({ kind: 'inserted', at: at(i), seq: s, message: `a copy of the record at ${at(first)}` });
      continue;
    }
    if (last < 0) {
      if (s === 0 && !recs.prevIsGenesis(i)) problems.push({ kind: 'modified', at: at(i), seq: 0, message: 'seq 0 but its prev is not the genesis value' });
      if (s > 0 && options.requireGenesis) {
        problems.push({ kind: 'deleted', at: at(i), seq: s, message: `the log starts at seq ${s}: records 0..${s - 1} are missing` });
      }
      last = top = i;
      continue;
    }
    const p = seq(last);
    if (recs.linksTo(i, last)) {
      if (s !== p + 1) problems.push({ kind: 'modified', at: at(i), seq: s, message: `seq ${s} follows seq ${p}` });
    } else if (s === 0 && recs.prevIsGenesis(i)) {
      problems.push({ kind: 'restarted', at: at(i), seq: 0, message: 'a new chain starts here: the writer found no readable record to continue from, so records before it may be missing or altered' });
    } else {
      const e = recs.linkTargetOf(i);
      if (e !== undefined && e < last && i - e <= MAX_SPAN) {
        const between = range(e + 1, i).filter((j) => recs.firstWithHashOf(j) === j);
        if (between.length > 0 && between.every((j) => !recs.isLinked(j) && !displaced.has(j))) {
          for (const j of between) problems.push({ kind: 'inserted', at: at(j), seq: seq(j), message: `not part of the chain: the next record (${at(i)}) links past it` });
          last = i;
          if (s > seq(top)) top = i;
          continue;
        }
      }
      if (s < seq(top)) {
        problems.push({ kind: 'reordered', at: at(i), seq: s, message: `seq ${s} comes after seq ${seq(top)} (${at(top)})` });
        displaced.add(i);
      } else if (e !== undefined && e > i) {
        displaced.add(i); // reported when its predecessor, with the lower seq, shows up
      } else if (e !== undefined) {
        if (!displaced.has(e) && !range(e + 1, Math.min(i, e + 1 + MAX_SPAN)).some((j) => displaced.has(j))) {
          problems.push({ kind: 'reordered', at: at(i), seq: s, message: `links to seq ${seq(e)} at ${at(e)}, which is not the record before it` });
        }
      } else if (recs.isLinkedAfter(last, i)) {
        problems.push({ kind: 'inserted', at: at(i), seq: s, message: `links to no record of the log, and ${at(last)} is continued after it` });
        continue;
      } else if (s === p + 1) {
        if (recs.intact(last)) problems.push({ kind: 'modified', at: at(last), seq: p, message: `re-hashed: the next record (${at(i)}) links to a different version of this record` });
      } else if (s > p + 1) {
        const n = s - p - 1;
        problems.push({ kind: 'deleted', at: at(i), seq: s, message: `${n} record${n === 1 ? '' : 's'} missing before this one (seq ${p + 1}${n > 1 ? `..${s - 1}` : ''}), after ${at(last)}` });
      } else {
        problems.push({ kind: 'inserted', at: at(i), seq: s, message: `links to no record of the log (seq ${s} after seq ${p})` });
        continue;
      }
    }
    last = i;
    if (s > seq(top)) top = i;
  }
  return top;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
