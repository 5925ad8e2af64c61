import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.ts';
import { createFileSink, type FileSink, type FileSinkOptions } from '../decision-log/file-sink.ts';
import { fileSinkOptions } from '../decision-log/file-sink-options.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { SidecarError } from '../errors/sidecar-error.ts';

/** What one relayed write did: the sink's counters moved by it, and where the chain stands after it. */
export interface RelayedWrite {
  readonly written: number;
  readonly dropped: number;
  readonly seq: number;
  readonly rotations: number;
  readonly checkpoints: number;
  readonly error: string | null;
}

export interface PrimaryDecisionLog {
  /** Opens the file (reads the chain head back); a failure stops the cluster from starting. */
  open(): Promise<void>;
  /** Chains and appends one worker's batch; writes run one at a time, in arrival order. */
  write(lines: readonly string[]): Promise<RelayedWrite>;
  /** SIGHUP: a changed target, size or checkpoint key closes this sink and opens the new one. */
  reconfigure(config: Config): Promise<void>;
  /** After the last worker exited: the final checkpoint, then close. */
  close(): Promise<void>;
}

/**
 * In cluster mode with a file target, the primary owns the decision log file: the workers relay
 * their serialised events (src/lifecycle/relay-decision-log.ts) and the primary chains and appends
 * them. Two writers could not share one hash chain: each would read the same chain head at start and
 * number its own records from it, so the file would hold two interleaved chains that
 * `audit verify` rejects, and each would rotate the file under the other. While the target is not a
 * file (stdout is relayed line by line; `none` writes nothing) it holds no sink and refuses writes.
 */
export function createPrimaryDecisionLog(config: Config, log: ProcessLog): PrimaryDecisionLog {
  const instance = randomUUID();
  let options = fileSinkOptions(config.decisionLog, instance, log);
  let sink: FileSink | undefined = options ? createFileSink(options) : undefined;
  let lane: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lane.then(fn, fn);
    lane = run.catch(() => undefined);
    return run;
  };
  const same = (a: FileSinkOptions, b: FileSinkOptions): boolean =>
    a.path === b.path && a.maxBytes === b.maxBytes && JSON.stringify(a.checkpoint) === JSON.stringify(b.checkpoint);
  return {
    open: async () => {
      try {
        await sink?.open();
      } catch (err) {
        // The same refusal a single process gives (decision-logger.ts): the cluster does not start.
        throw new SidecarError('config_error', `cannot open the decision log '${options?.path}': ${(err as Error).message}`, { cause: err, expose: true });
      }
    },
    write: (lines) =>
      serial(async () => {
        if (!sink) throw new Error('the decision log target is not a file');
        const before = sink.stats;
        await sink.write(lines);
        const after = sink.stats;
        return {
          written: after.written - before.written,
          dropped: after.dropped.write_error - before.dropped.write_error,
          seq: after.seq,
          rotations: after.rotations,
          checkpoints: after.checkpoints,
          error: after.last_error,
        };
      }),
    reconfigure: (next) =>
      serial(async () => {
        const nextOptions = fileSinkOptions(next.decisionLog, instance, log);
        // A change to stdout or none needs no file here any more; the workers stop relaying.
        if (!nextOptions || (options && same(options, nextOptions))) return;
        const fresh = createFileSink(nextOptions);
        await fresh.open();
        await sink?.close();
        sink = fresh;
        options = nextOptions;
      }),
    close: () => serial(async () => sink?.close()),
  };
}
