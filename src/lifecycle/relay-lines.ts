import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';

/**
 * Copies a worker's stdout or stderr to the primary's, complete lines only, so lines from several
 * workers never interleave (a pipe write over PIPE_BUF from two processes may). Backpressure is
 * kept: the source pauses while the sink is full. Resolves when the source has ended and every
 * byte is written; a last line without a newline gets one.
 */
export async function relayLines(source: Readable, sink: Writable): Promise<void> {
  let pending = '';
  source.setEncoding('utf8');
  for await (const chunk of source as AsyncIterable<string>) {
    const text = pending + chunk;
    const cut = text.lastIndexOf('\n');
    if (cut === -1) {
      pending = text;
      continue;
    }
    pending = text.slice(cut + 1);
    if (!sink.write(text.slice(0, cut + 1))) await once(sink, 'drain');
  }
  if (pending !== '' && !sink.write(`${pending}\n`)) await once(sink, 'drain');
}
