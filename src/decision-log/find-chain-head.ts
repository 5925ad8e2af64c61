import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EMPTY_CHAIN, parseRecord, type ChainHead, type ParsedRecord } from './hash-chain.ts';

/** Longest last line read back when resuming the chain; a decision with a 30,000-role input is ~1 MiB. */
const MAX_TAIL_BYTES = 64 * 1024 * 1024;

export interface FoundHead {
  readonly head: ChainHead;
  readonly bytes: number;
  readonly nextRotation: number;
  readonly torn: boolean;
  readonly legacy: boolean;
}

/** Where to continue: the last record of `path`, or of the newest rotated `<path>.<n>` when `path` is empty or absent. */
export async function findChainHead(path: string): Promise<FoundHead> {
  const rotated = await rotatedFiles(path);
  const nextRotation = rotated.length > 0 ? rotated[rotated.length - 1]!.n + 1 : 1;
  const size = await stat(path).then((s) => (s.isFile() ? s.size : 0), () => 0);
  if (size > 0) {
    const { rec, torn } = await lastRecord(path, size);
    return { head: rec ? { seq: rec.seq, hash: rec.hash } : EMPTY_CHAIN, bytes: size, nextRotation, torn, legacy: rec === undefined };
  }
  const newest = rotated.at(-1);
  if (newest) {
    const s = await stat(newest.file);
    const { rec } = s.size > 0 ? await lastRecord(newest.file, s.size) : { rec: undefined };
    if (rec) return { head: { seq: rec.seq, hash: rec.hash }, bytes: 0, nextRotation, torn: false, legacy: false };
  }
  return { head: EMPTY_CHAIN, bytes: 0, nextRotation, torn: false, legacy: false };
}

/** `<path>.<n>` files beside `path`, by n. */
export async function rotatedFiles(path: string): Promise<{ file: string; n: number }[]> {
  const dir = dirname(path);
  const name = basename(path);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const out: { file: string; n: number }[] = [];
  for (const e of entries) {
    if (e.startsWith(`${name}.`) && /^\d+$/.test(e.slice(name.length + 1))) out.push({ file: join(dir, e), n: Number(e.slice(name.length + 1)) });
  }
  return out.sort((a, b) => a.n - b.n);
}

/** Lines looked at, from the end, for the last chained record (a crash may leave a torn or empty line after it). */
const TAIL_LINES = 16;

/** The last chained record among the last lines of a file, and whether the file ends in a partial line. */
async function lastRecord(file: string, size: number): Promise<{ rec: ParsedRecord | undefined; torn: boolean }> {
  const fh = await open(file, 'r');
  try {
    let want = Math.min(size, 256 * 1024);
    for (;;) {
      const buf = Buffer.alloc(want);
      await fh.read(buf, 0, want, size - want);
      const torn = buf[buf.length - 1] !== 0x0a;
      const lines = buf.toString('utf8').split('\n');
      lines.pop(); // "" after the final newline, or the torn fragment
      if (want < size) lines.shift(); // may start mid-line
      let tried = 0;
      for (let i = lines.length - 1; i >= 0 && tried < TAIL_LINES; i--, tried++) {
        const rec = parseRecord(lines[i]!);
        if (rec) return { rec, torn };
      }
      if (tried >= TAIL_LINES || want === size || want >= MAX_TAIL_BYTES) return { rec: undefined, torn };
      want = Math.min(size, want * 4, MAX_TAIL_BYTES);
    }
  } finally {
    await fh.close();
  }
}
