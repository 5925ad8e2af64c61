import type { KeyObject } from 'node:crypto';
import { verifyCheckpointLine, type CheckpointPayload } from '../decision-log/checkpoints.ts';
import type { ChainRecords } from './chain-records.ts';
import { readLines } from './read-log.ts';
import type { VerifyProblem, VerifyReport } from './verify-log.ts';

/**
 * Checks the signed checkpoint files against the records read: every signature, that each
 * checkpoint names the hash its seq has in the log, and that the log reaches the latest one.
 * Checkpoints are few (one per thousands of records), so they are read first and the records are
 * scanned once for the seq numbers they name.
 */
export async function checkCheckpoints(
  files: readonly string[],
  recs: ChainRecords,
  key: KeyObject | undefined,
  range: { readonly minSeq: number | undefined; readonly maxSeq: number | undefined },
  problems: VerifyProblem[],
): Promise<VerifyReport['checkpoints']> {
  if (!key) return { checked: false, valid: 0, matched: 0, beforeRange: 0 };
  // In file order, so problems are reported in the order the lines are.
  const lines: { payload?: CheckpointPayload; reason?: string; at: string }[] = [];
  for (const file of files) {
    for await (const l of readLines(file)) {
      if (l.text === '') continue;
      const check = await verifyCheckpointLine(l.text, key);
      lines.push({ at: `${file}:${l.line}`, ...(check.ok ? { payload: check.payload } : { reason: check.reason }) });
    }
  }
  const wanted = new Map<number, number[]>();
  for (const c of lines) if (c.payload) wanted.set(c.payload.seq, []);
  for (let i = 0; i < recs.length; i++) wanted.get(recs.seq(i))?.push(i);

  let valid = 0;
  let matched = 0;
  let beforeRange = 0;
  let latest: { payload: CheckpointPayload; at: string } | undefined;
  for (const c of lines) {
    if (!c.payload) {
      problems.push({ kind: 'checkpoint', at: c.at, message: `invalid checkpoint: ${c.reason}` });
      continue;
    }
    valid++;
    const { seq, hash, time } = c.payload;
    if (!latest || seq > latest.payload.seq) latest = { payload: c.payload, at: c.at };
    const candidates = wanted.get(seq)!;
    if (candidates.some((i) => recs.hash(i) === hash)) matched++;
    else if (candidates.length > 0) {
      problems.push({ kind: 'modified', at: recs.at(candidates[0]!), seq, message: `the checkpoint signed at ${time} (${c.at}) says seq ${seq} has a different hash: the chain was rewritten` });
    } else if (range.minSeq !== undefined && seq < range.minSeq) beforeRange++;
  }
  if (valid === 0 && !problems.some((p) => p.kind === 'checkpoint')) {
    problems.push({ kind: 'checkpoint', at: files[0] ?? '(none given)', message: 'no signed checkpoint found: cutting the end of the log cannot be ruled out' });
  }
  const { maxSeq } = range;
  if (latest && (maxSeq === undefined || latest.payload.seq > maxSeq)) {
    const end = recs.length > 0 ? recs.at(recs.length - 1) : '(no records)';
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
