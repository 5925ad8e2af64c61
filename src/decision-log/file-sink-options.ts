import type { ProcessLog } from '../lib/process-log.ts';
import type { FileSink, FileSinkOptions } from './file-sink.ts';

/** The `decisionLog.*` keys the file sink is built from. */
export interface FileTargetSettings {
  /** `stdout`, `none`, or a file path. */
  readonly target: string;
  readonly file?: { readonly maxBytes: number };
  readonly checkpoint?: { readonly keyFile: string | undefined; readonly file: string | undefined; readonly everyEvents: number; readonly intervalMs: number };
}

/** Builds the sink that writes a decision log file: the chained file sink itself, or (in a cluster worker) a relay to the one that does. */
export type FileSinkFactory = (options: FileSinkOptions) => FileSink;

/**
 * The file sink's options for these settings, or undefined when the target is not a file. Shared by
 * the decision logger and the cluster primary (src/lifecycle/primary-decision-log.ts), which must build
 * the same sink from the same keys.
 */
export function fileSinkOptions(settings: FileTargetSettings, instance: string, log: ProcessLog): FileSinkOptions | undefined {
  if (settings.target === 'stdout' || settings.target === 'none') return undefined;
  const cp = settings.checkpoint;
  return {
    path: settings.target,
    maxBytes: settings.file?.maxBytes ?? 0,
    ...(cp?.keyFile
      ? { checkpoint: { keyFile: cp.keyFile, file: cp.file ?? `${settings.target}.checkpoints`, everyEvents: cp.everyEvents, intervalMs: cp.intervalMs, instance } }
      : {}),
    log,
  };
}
