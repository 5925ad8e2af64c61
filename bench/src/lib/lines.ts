import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * Writes one string per line, a chunk at a time: a million tokens (~700 MB) do not fit in one
 * JavaScript string (V8's limit is ~512 MB), so they cannot be joined first.
 */
export function writeLines(file: string, lines: readonly string[]): void {
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < lines.length; i += 10_000) writeSync(fd, `${lines.slice(i, i + 10_000).join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}

/** The non-empty lines of a file of any size (ASCII: tokens and subject names). */
export function readLines(file: string): string[] {
  const buf = readFileSync(file);
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const end = buf.indexOf(10, start);
    const stop = end === -1 ? buf.length : end;
    if (stop > start) out.push(buf.toString('latin1', start, stop));
    if (end === -1) return out;
    start = end + 1;
  }
}
