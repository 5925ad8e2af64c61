import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface StreamSinkStats {
  readonly written: number;
  readonly dropped: { readonly write_error: number };
  readonly last_error: string | null;
}

export interface StreamSink {
  /** Writes events as JSON lines; resolves once the stream accepts more (backpressure). */
  write(events: readonly string[]): Promise<void>;
  readonly stats: StreamSinkStats;
}

/**
 * JSON lines to a stream (stdout), unchained: whoever collects stdout owns integrity from there.
 * After the stream fails (EPIPE when the reader went away) every event is counted as dropped.
 */
export function createStreamSink(stream: Writable): StreamSink {
  let written = 0;
  let dropped = 0;
  let lastError: string | null = null;
  stream.on('error', (err) => {
    lastError = err.message;
  });
  return {
    async write(events) {
      if (lastError !== null || stream.destroyed) {
        dropped += events.length;
        return;
      }
      const ok = stream.write(`${events.join('\n')}\n`);
      written += events.length;
      if (!ok) {
        const done = new AbortController();
        await Promise.race([once(stream, 'drain', { signal: done.signal }), once(stream, 'error', { signal: done.signal })]).catch(() => undefined);
        done.abort();
      }
    },
    get stats() {
      return { written, dropped: { write_error: dropped }, last_error: lastError };
    },
  };
}
