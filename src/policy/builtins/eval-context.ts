import type { EvalContext } from './builtin-types.ts';

// A wall-clock reading at start plus a monotonic offset gives nanosecond resolution.
const originNs = BigInt(Date.now()) * 1_000_000n;
const originHr = process.hrtime.bigint();

/** A fresh context for one evaluation: every time.now_ns call in it returns the same instant. */
export function newEvalContext(): EvalContext {
  return { nowNs: originNs + (process.hrtime.bigint() - originHr), uuids: new Map() };
}
