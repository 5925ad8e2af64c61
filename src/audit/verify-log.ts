import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, parseChainFields } from '../decision-log/hash-chain.ts';
import { verifyCheckpointLine, type CheckpointPayload } from '../decision-log/checkpoints.ts';
import { classifyFiles, readLines } from './read-log.ts';

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

interface Rec {
  readonly at: string;
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
  readonly intact: boolean;
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
  const problems: VerifyProblem[] = [];
  const recs: Rec[] = [];
  const perFile: { file: string; records: number; firstSeq?: number; lastSeq?: number }[] = [];
  for (const file of logs) {
    const stats: { file: string; records: number; firstSeq?: number; lastSeq?: number } = { file, records: 0 };
    for await (const l of readLines(file)) {
      const at = `${file}:${l.line}`;
      const fields = parseChainFields(l.text);
      if (!fields) {
        problems.push({
          kind: 'malformed',
          at,
          message: l.unterminated ? 'the file ends in a partial record (a crash while writing, or a cut)' : l.text === '' ? 'an empty line' : 'not a chained record (its end was edited, or it was written without a chain)',
        });
        continue;
      }
      recs.push({ at, ...fields });
      stats.records++;
      stats.firstSeq ??= fields.seq;
      stats.lastSeq = fields.seq;
    }
    perFile.push(stats);
  }

  const firstAt = new Map<string, number>();
  const linkedFrom = new Map<string, number[]>();
  recs.forEach((r, i) => {
    if (!firstAt.has(r.hash)) firstAt.set(r.hash, i);
    const list = linkedFrom.get(r.prev);
    if (list) list.push(i);
    else linkedFrom.set(r.prev, [i]);
  });
  const linkedAfter = (hash: string, i: number): boolean => (linkedFrom.get(hash) ?? []).some((j) => j > i);
  const isLinked = (hash: string): boolean => linkedFrom.has(hash);

  // Records accepted out of place (their predecessor comes later, or reported as reordered):
  // links around them are consequences of that one move, not new problems.
  const displaced = new Set<number>();
  let last = -1;
  let top = -1;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (!r.intact) problems.push({ kind: 'modified', at: r.at, seq: r.seq, message: 'the record does not match its hash: its content was changed' });
    const first = firstAt.get(r.hash)!;
    if (first < i) {
      problems.push({ kind: 'inserted', at: r.at, seq: r.seq, message: `a copy of the record at ${recs[first]!.at}` });
      continue;
    }
    if (last < 0) {
      if (r.seq === 0 && r.prev !== GENESIS_HASH) problems.push({ kind: 'modified', at: r.at, seq: 0, message: 'seq 0 but its prev is not the genesis value' });
      if (r.seq > 0 && options.requireGenesis) {
        problems.push({ kind: 'deleted', at: r.at, seq: r.seq, message: `the log starts at seq ${r.seq}: records 0..${r.seq - 1} are missing` });
      }
      last = top = i;
      continue;
    }
    const prev = recs[last]!;
    if (r.prev === prev.hash) {
      if (r.seq !== prev.seq + 1) problems.push({ kind: 'modified', at: r.at, seq: r.seq, message: `seq ${r.seq} follows seq ${prev.seq}` });
    } else if (r.seq === 0 && r.prev === GENESIS_HASH) {
      problems.push({ kind: 'restarted', at: r.at, seq: 0, message: 'a new chain starts here: the writer found no readable record to continue from, so records before it may be missing or altered' });
    } else {
      const e = firstAt.get(r.prev);
      if (e !== undefined && e < last && i - e <= MAX_SPAN) {
        const between = range(e + 1, i).filter((j) => firstAt.get(recs[j]!.hash) === j);
        if (between.length > 0 && between.every((j) => !isLinked(recs[j]!.hash) && !displaced.has(j))) {
          for (const j of between) {
            problems.push({ kind: 'inserted', at: recs[j]!.at, seq: recs[j]!.seq, message: `not part of the chain: the next record (${r.at}) links past it` });
          }
          last = i;
          if (r.seq > recs[top]!.seq) top = i;
          continue;
        }
      }
      if (r.seq < recs[top]!.seq) {
        problems.push({ kind: 'reordered', at: r.at, seq: r.seq, message: `seq ${r.seq} comes after seq ${recs[top]!.seq} (${recs[top]!.at})` });
        displaced.add(i);
      } else if (e !== undefined && e > i) {
        displaced.add(i); // reported when its predecessor, with the lower seq, shows up
      } else if (e !== undefined) {
        if (!displaced.has(e) && !range(e + 1, Math.min(i, e + 1 + MAX_SPAN)).some((j) => displaced.has(j))) {
          problems.push({ kind: 'reordered', at: r.at, seq: r.seq, message: `links to seq ${recs[e]!.seq} at ${recs[e]!.at}, which is not the record before it` });
        }
      } else if (linkedAfter(prev.hash, i)) {
        problems.push({ kind: 'inserted', at: r.at, seq: r.seq, message: `links to no record of the log, and ${prev.at} is continued after it` });
        continue;
      } else if (r.seq === prev.seq + 1) {
        if (prev.intact) problems.push({ kind: 'modified', at: prev.at, seq: prev.seq, message: `re-hashed: the next record (${r.at}) links to a different version of this record` });
      } else if (r.seq > prev.seq + 1) {
        const n = r.seq - prev.seq - 1;
        problems.push({ kind: 'deleted', at: r.at, seq: r.seq, message: `${n} record${n === 1 ? '' : 's'} missing before this one (seq ${prev.seq + 1}${n > 1 ? `..${r.seq - 1}` : ''}), after ${prev.at}` });
      } else {
        problems.push({ kind: 'inserted', at: r.at, seq: r.seq, message: `links to no record of the log (seq ${r.seq} after seq ${prev.seq})` });
        continue;
      }
    }
    last = i;
    if (r.seq > recs[top]!.seq) top = i;
  }

  let minSeq: number | undefined;
  for (const r of recs) if (minSeq === undefined || r.seq < minSeq) minSeq = r.seq;
  const maxSeq = recs.length > 0 ? recs[top]!.seq : undefined;
  const cp = await checkCheckpoints(checkpoints, recs, options.key, minSeq, maxSeq, problems);
  return {
    ok: problems.length === 0,
    files: perFile,
    records: recs.length,
    ...(minSeq !== undefined ? { firstSeq: recs[0]!.seq, lastSeq: maxSeq } : {}),
    fromGenesis: recs[0]?.seq === 0,
    checkpoints: cp,
    problems,
  };
}

async function checkCheckpoints(
  files: readonly string[],
  recs: readonly Rec[],
  key: KeyObject | undefined,
  minSeq: number | undefined,
  maxSeq: number | undefined,
  problems: VerifyProblem[],
): Promise<VerifyReport['checkpoints']> {
  if (!key) return { checked: false, valid: 0, matched: 0, beforeRange: 0 };
  const bySeq = new Map<number, Rec[]>();
  for (const r of recs) {
    const list = bySeq.get(r.seq);
    if (list) list.push(r);
    else bySeq.set(r.seq, [r]);
  }
  let valid = 0;
  let matched = 0;
  let beforeRange = 0;
  let latest: { payload: CheckpointPayload; at: string } | undefined;
  for (const file of files) {
    for await (const l of readLines(file)) {
      if (l.text === '') continue;
      const at = `${file}:${l.line}`;
      const check = await verifyCheckpointLine(l.text, key);
      if (!check.ok) {
        problems.push({ kind: 'checkpoint', at, message: `invalid checkpoint: ${check.reason}` });
        continue;
      }
      valid++;
      const { seq, hash, time } = check.payload;
      if (!latest || seq > latest.payload.seq) latest = { payload: check.payload, at };
      const candidates = bySeq.get(seq);
      if (candidates?.some((r) => r.hash === hash)) matched++;
      else if (candidates) {
        problems.push({ kind: 'modified', at: candidates[0]!.at, seq, message: `the checkpoint signed at ${time} (${at}) says seq ${seq} has a different hash: the chain was rewritten` });
      } else if (minSeq !== undefined && seq < minSeq) beforeRange++;
    }
  }
  if (valid === 0 && !problems.some((p) => p.kind === 'checkpoint')) {
    problems.push({ kind: 'checkpoint', at: files[0] ?? '(none given)', message: 'no signed checkpoint found: cutting the end of the log cannot be ruled out' });
  }
  if (latest && (maxSeq === undefined || latest.payload.seq > maxSeq)) {
    const end = recs.length > 0 ? recs[recs.length - 1]!.at : '(no records)';
    const cut = latest.payload.seq - (maxSeq ?? -1);
    problems.push({
      kind: 'truncated',
      at: end,
      seq: latest.payload.seq,
      message: `the log ends at seq ${maxSeq ?? 'none'}, but the checkpoint signed at ${latest.payload.time} (${latest.at}) covers seq ${latest.payload.seq}: at least ${cut} record${cut === 1 ? ' was' : 's were'} cut from the end`,
    });
  }
  return { checked: true, valid, matched, beforeRange, ...(latest ? { latestSeq: latest.payload.seq } : {}) };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
