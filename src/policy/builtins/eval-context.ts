import type { EvalContext } from './builtin-types.ts';

// A wall-clock reading at start plus a monotonic offset gives nanosecond resolution.
const originNs = BigInt(Date.now()) * 1_000_000n;
const originHr = process.hrtime.bigint();

/**
 * Per-evaluation state, created empty: the clock is read and the memo allocated only when a
 * builtin asks, so an evaluation that calls no such builtin pays for one small object.
 */
class LazyEvalContext implements EvalContext {
  #nowNs: bigint | undefined;
  #memo: Map<string, unknown> | undefined;
  get nowNs(): bigint {
    return (this.#nowNs ??= originNs + (process.hrtime.bigint() - originHr));
  }
  get memo(): Map<string, unknown> {
    return (this.#memo ??= new Map());
  }
}

/** A fresh context for one evaluation: every time.now_ns call in it returns the same instant. */
export function newEvalContext(): EvalContext {
  return new LazyEvalContext();
}
