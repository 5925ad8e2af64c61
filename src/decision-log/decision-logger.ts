import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { DecisionEvent } from './decision-event.ts';

export interface DecisionLogStats {
  readonly written: number;
  readonly dropped: number;
  readonly buffered: number;
}

export interface DecisionLogger {
  /** Queues one event; never blocks the request. Drops (and counts) only when the buffer is full. */
  log(event: DecisionEvent): void;
  /** Resolves when everything queued so far is handed to the sink. */
  flush(): Promise<void>;
  /** Flushes and closes the sink (stdout is flushed, not closed). */
  close(): Promise<void>;
  readonly stats: DecisionLogStats;
}

/**
 * JSON lines to stdout or a file, written off the request path: events are serialised into a
 * bounded in-memory queue and written in batches on a later tick, waiting for 'drain' when the
 * sink pushes back, so a slow disk slows nothing but the log and memory stays bounded.
 */
export function createDecisionLogger(target: string, bufferEvents: number): DecisionLogger {
  const sink: Writable = target === 'stdout' ? process.stdout : createWriteStream(target, { flags: 'a' });
  let queue: string[] = [];
  let written = 0;
  let dropped = 0;
  let pumping: Promise<void> | undefined;
  let sinkError: Error | undefined;
  sink.on('error', (err) => {
    sinkError = err;
  });

  const pump = async (): Promise<void> => {
    while (queue.length > 0 && !sinkError) {
      const batch = queue;
      queue = [];
      const ok = sink.write(batch.join(''));
      written += batch.length;
      if (!ok) await once(sink, 'drain');
    }
    if (sinkError) {
      dropped += queue.length;
      queue = [];
    }
  };
  const schedule = (): Promise<void> => {
    pumping ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(pump)
      .finally(() => {
        pumping = undefined;
        if (queue.length > 0) void schedule();
      });
    return pumping;
  };

  return {
    log(event) {
      if (queue.length >= bufferEvents || sinkError) {
        dropped++;
        return;
      }
      queue.push(`${JSON.stringify(event)}\n`);
      void schedule();
    },
    async flush() {
      while (queue.length > 0 || pumping) {
        if (sinkError) return;
        await (pumping ?? schedule());
      }
    },
    async close() {
      await this.flush();
      if (sink !== process.stdout) {
        await new Promise<void>((resolve) => sink.end(resolve));
      }
    },
    get stats() {
      return { written, dropped, buffered: queue.length };
    },
  };
}
