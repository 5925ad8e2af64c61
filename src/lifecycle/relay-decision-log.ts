import type { FileSink, FileSinkOptions, FileSinkStats } from '../decision-log/file-sink.ts';
import type { FileSinkFactory } from '../decision-log/file-sink-options.ts';
import type { RelayedWrite } from './primary-decision-log.ts';

/** Sends one batch to the cluster primary and resolves with what its file sink did (rejects when the primary is gone). */
export type RelayWrite = (lines: readonly string[]) => Promise<RelayedWrite>;

/**
 * A cluster worker's file sink: it hands each batch to the primary, which owns the file and its hash
 * chain (primary-decision-log.ts), and waits for the answer, so the decision logger's backpressure and
 * counters work as with a local file. A batch the primary cannot take (it is gone) is counted as
 * dropped (`write_error`), never lost silently.
 */
export function relayFileSink(write: RelayWrite): FileSinkFactory {
  return (options: FileSinkOptions): FileSink => {
    let written = 0;
    let dropped = 0;
    let seq = -1;
    let rotations = 0;
    let checkpoints = 0;
    let lastError: string | null = null;
    const inFlight = new Set<Promise<unknown>>();
    return {
      // The primary opened the file before forking (a file that cannot be opened stops the cluster).
      open: () => Promise.resolve(),
      async write(events) {
        if (events.length === 0) return;
        const p = write(events).then(
          (r) => {
            written += r.written;
            dropped += r.dropped;
            seq = r.seq;
            rotations = r.rotations;
            checkpoints = r.checkpoints;
            lastError = r.error;
          },
          (err: Error) => {
            dropped += events.length;
            lastError = `relay to the cluster primary: ${err.message}`;
          },
        );
        inFlight.add(p);
        await p;
        inFlight.delete(p);
      },
      async close() {
        await Promise.all(inFlight);
      },
      get stats(): FileSinkStats {
        return { path: options.path, written, dropped: { write_error: dropped }, seq, rotations, checkpoints, last_error: lastError };
      },
    };
  };
}
