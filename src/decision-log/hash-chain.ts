import { hash } from 'node:crypto';

/** The `prev` of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where the chain stands: the last record written. */
export interface ChainHead {
  /** seq of the last record; -1 before the first. */
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainHead = { seq: -1, hash: GENESIS_HASH };

/**
 * Turns one event's JSON into a chained record line. The record is the event with
 * `"chain": {"seq": n, "prev": "<hash of record n-1>"}` appended; its hash is the SHA-256 of
 * exactly those bytes, and is written as the last member of `chain`:
 *
 *   {…event…,"chain":{"seq":7,"prev":"9f2c…","hash":"41ab…"}}
 *
 * Why bytes and not a canonical JSON form: the verifier re-hashes the line as written, so there is
 * no canonicalisation to get wrong, and any changed byte (a field, a space) changes the hash.
 */
export function chainRecord(eventJson: string, head: ChainHead): { line: string; head: ChainHead } {
  const seq = head.seq + 1;
  const content = `${eventJson.slice(0, -1)},"chain":{"seq":${seq},"prev":"${head.hash}"}}`;
  const hash = sha256(content);
  return { line: `${content.slice(0, -2)},"hash":"${hash}"}}\n`, head: { seq, hash } };
}

/** The chain members as chainRecord writes them, at the very end of a line. */
const TAIL = /,"chain":\{"seq":(0|[1-9]\d{0,15}),"prev":"([0-9a-f]{64})","hash":"([0-9a-f]{64})"\}\}$/;
/** Longer than any TAIL match, so only the end of a (possibly 1 MiB) line is searched. */
const TAIL_CHARS = 200;

export interface ChainFields {
  readonly seq: number;
  readonly prev: string;
  /** The hash written in the record. */
  readonly hash: string;
  /** Whether the record's bytes still hash to `hash`. */
  readonly intact: boolean;
}

export interface ParsedRecord extends ChainFields {
  readonly event: Record<string, unknown>;
}

/**
 * The chain members of one line, and whether its bytes still match its hash; undefined when the
 * line does not end like a chained record (torn, cut, or edited there). Does not parse the JSON:
 * the hash already covers every byte.
 */
export function parseChainFields(line: string): ChainFields | undefined {
  const tail = line.length > TAIL_CHARS ? line.slice(-TAIL_CHARS) : line;
  const m = TAIL.exec(tail);
  if (!m) return undefined;
  const hashStart = line.length - (m[0].length - m[0].indexOf(',"hash":'));
  const content = `${line.slice(0, hashStart)}}}`;
  return { seq: Number(m[1]), prev: m[2]!, hash: m[3]!, intact: sha256(content) === m[3] };
}

/** A chained line with its event parsed; undefined when it is not a chained record or not JSON. */
export function parseRecord(line: string): ParsedRecord | undefined {
  const fields = parseChainFields(line);
  if (!fields) return undefined;
  try {
    return { ...fields, event: JSON.parse(line) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

// One-shot: no Hash object per decision (each is a native object with a weak handle the next scavenge must process).
function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
