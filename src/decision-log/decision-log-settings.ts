import type { Config } from '../config/config.ts';
import { configError } from '../config/validate-value.ts';
import { compileMasks, type CompiledMasks } from './mask-event.ts';
import { maskPointerProblem } from './json-pointer.ts';

export interface DecisionLogSettings {
  /** `decisionLog.erase`, `.mask` and `.eraseTokens`, with every pointer parsed once. */
  readonly masking: CompiledMasks;
}

/** Checks the rules across the `decisionLog.*` keys (each error names its key) and compiles the masks. */
export function decisionLogSettings(config: Config): DecisionLogSettings {
  const log = config.decisionLog;
  for (const key of ['erase', 'mask'] as const) {
    for (const pointer of log[key]) {
      const problem = maskPointerProblem(pointer);
      if (problem) throw configError(`decisionLog.${key}`, problem);
    }
  }
  if (log.checkpoint.keyFile && (log.target === 'stdout' || log.target === 'none')) {
    throw configError('decisionLog.checkpoint.keyFile', `checkpoints sign a file's hash chain; set decisionLog.target to a file path (it is '${log.target}')`);
  }
  if (log.http.batchMaxBytes > log.http.bufferMaxBytes) {
    throw configError('decisionLog.http.batchMaxBytes', 'must not be larger than decisionLog.http.bufferMaxBytes');
  }
  if (log.http.retryMaxMs < log.http.retryInitialMs) {
    throw configError('decisionLog.http.retryMaxMs', 'must not be smaller than decisionLog.http.retryInitialMs');
  }
  return { masking: compileMasks(log) };
}
