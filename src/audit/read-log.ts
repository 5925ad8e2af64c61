import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { isCheckpointLine } from '../decision-log/checkpoints.ts';

export interface LogLine {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly text: string;
  /** The file's last line had no newline (a torn write, or a cut). */
  readonly unterminated: boolean;
  /** Where the line starts in the file, in bytes, and its length without the newline: to read it again (the explorer's detail view). */
  readonly offset: number;
  readonly bytes: number;
}

/**
 * The lines of a file, split on `\n` only and decoded one by one, so a line's text is exactly
 * the bytes the writer hashed (readline would also split on a lone `\r`). Streams: a log of any
 * size is read in 64 KiB chunks.
 */
export async function* readLines(file: string): AsyncGenerator<LogLine> {
  let rest: Buffer = Buffer.alloc(0);
  let n = 0;
  let base = 0; // file offset of buf[0]
  for await (const chunk of createReadStream(file)) {
    const buf = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let i = buf.indexOf(0x0a, start); i !== -1; i = buf.indexOf(0x0a, start)) {
      yield { file, line: ++n, text: buf.toString('utf8', start, i), unterminated: false, offset: base + start, bytes: i - start };
      start = i + 1;
    }
    rest = buf.subarray(start);
    base += start;
  }
  if (rest.length > 0) yield { file, line: ++n, text: rest.toString('utf8'), unterminated: true, offset: base, bytes: rest.length };
}

/** Splits command-line files into decision logs and checkpoint files (told apart by their first line). */
export async function classifyFiles(files: readonly string[]): Promise<{ logs: string[]; checkpoints: string[] }> {
  const logs: string[] = [];
  const checkpoints: string[] = [];
  for (const file of files) {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(16);
      const { bytesRead } = await fh.read(buf, 0, 16, 0);
      (isCheckpointLine(buf.toString('utf8', 0, bytesRead)) ? checkpoints : logs).push(file);
    } finally {
      await fh.close();
    }
  }
  return { logs: orderLogFiles(logs), checkpoints };
}

/**
 * The order the writer produced them in: for each log, its rotated files `<name>.<n>` by n, then
 * `<name>` itself (a shell glob sorts `decisions.log.10` before `decisions.log.2`). Files named
 * otherwise keep their command-line order.
 */
function orderLogFiles(files: readonly string[]): string[] {
  const rank = (f: string): { base: string; n: number } => {
    const m = /^(.*)\.(\d+)$/.exec(f);
    return m ? { base: m[1]!, n: Number(m[2]) } : { base: f, n: Number.POSITIVE_INFINITY };
  };
  const firstSeen = new Map<string, number>();
  files.forEach((f, i) => {
    const { base } = rank(f);
    if (!firstSeen.has(base)) firstSeen.set(base, i);
  });
  return [...files].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra.base !== rb.base) return firstSeen.get(ra.base)! - firstSeen.get(rb.base)!;
    return ra.n - rb.n;
  });
}

export interface LoggedEvent {
  readonly where: string;
  readonly event: Record<string, unknown>;
}

/** Every decision event in the files (chained or not), in order; lines that are not JSON objects are counted, not thrown. */
export async function* readEvents(files: readonly string[], unreadable: { count: number } = { count: 0 }): AsyncGenerator<LoggedEvent> {
  const { logs } = await classifyFiles(files);
  for (const file of logs) {
    for await (const l of readLines(file)) {
      if (l.text === '') continue;
      let event: unknown;
      try {
        event = JSON.parse(l.text);
      } catch {
        unreadable.count++;
        continue;
      }
      if (event === null || typeof event !== 'object' || Array.isArray(event)) {
        unreadable.count++;
        continue;
      }
      yield { where: `${file}:${l.line}`, event: event as Record<string, unknown> };
    }
  }
}
