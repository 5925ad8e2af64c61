import { open } from 'node:fs/promises';
import { parseChainFields } from '../../decision-log/hash-chain.ts';
import { SidecarError } from '../../errors/sidecar-error.ts';
import type { VerifyProblem } from '../verify-log.ts';
import type { LogIndex } from './log-index.ts';

/** One decision as logged, with its place in the file and in the hash chain. */
export interface DecisionDetail {
  readonly row: number;
  /** `file:line`. */
  readonly at: string;
  /** The event as written (already masked by the sidecar), chain members included. */
  readonly event: Record<string, unknown>;
  readonly chain?: {
    readonly seq: number;
    readonly prev: string;
    readonly hash: string;
    /** The record's bytes still hash to `hash`. */
    readonly intact: boolean;
    /** The decisions before and after it in the log (rows), for walking the chain. */
    readonly previousRow?: number;
    readonly nextRow?: number;
  };
  /** What audit verify reports at this line. */
  readonly problems: readonly VerifyProblem[];
}

/**
 * Reads one decision's line again, by the offset the index kept, and checks it is still the
 * line that was indexed and verified (the same chain hash, all 32 bytes): a log edited after the
 * explorer started is reported, not shown as if it had been verified. (A line that is not a
 * chained record has no hash to compare; verify reports it as malformed anyway.)
 */
export async function readDecision(index: LogIndex, row: number): Promise<DecisionDetail> {
  if (!Number.isInteger(row) || row < 0 || row >= index.rows) throw new SidecarError('not_found', `no decision ${row}: the log has ${index.rows}`);
  const { col } = index;
  const at = `${index.files[col.file[row]!]}:${col.line[row]}`;
  const text = await readLineAt(index, row);
  const chained = col.chained[row] === 1;
  const changed = (): SidecarError => new SidecarError('not_found', `${at} changed since the explorer indexed it: restart it to see the log as it is now`);
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw changed();
  }
  let chain: DecisionDetail['chain'];
  if (chained) {
    const fields = parseChainFields(text);
    if (!fields || !Buffer.from(fields.hash, 'hex').equals(index.hashes.subarray(row * 32, (row + 1) * 32))) throw changed();
    chain = {
      seq: fields.seq,
      prev: fields.prev,
      hash: fields.hash,
      intact: fields.intact,
      ...(row > 0 ? { previousRow: row - 1 } : {}),
      ...(row + 1 < index.rows ? { nextRow: row + 1 } : {}),
    };
  }
  return { row, at, event, ...(chain ? { chain } : {}), problems: index.problemsAt.get(at) ?? [] };
}

/** The row's line, read again from its file at the offset the index kept. */
export async function readLineAt(index: LogIndex, row: number): Promise<string> {
  const { col } = index;
  const bytes = col.bytes[row]!;
  const buf = Buffer.alloc(bytes);
  const fh = await open(index.files[col.file[row]!]!, 'r');
  try {
    await fh.read(buf, 0, bytes, col.offset[row]!);
  } finally {
    await fh.close();
  }
  return buf.toString('utf8');
}
