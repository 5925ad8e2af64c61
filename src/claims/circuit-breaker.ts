import { SidecarError } from '../errors/sidecar-error.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Names the endpoint in errors and status (`userinfo`, `introspection`). */
  readonly name: string;
  readonly failureThreshold: number;
  readonly coolOffMs: number;
  readonly now?: () => number;
  readonly onStateChange?: (name: string, from: BreakerState, to: BreakerState) => void;
}

export interface BreakerStatus {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** Calls refused without reaching the IdP. */
  readonly rejected: number;
  readonly opened: number;
}

export interface CircuitBreaker {
  /**
   * Runs `call` unless the circuit is open. Only `claims_unavailable` errors (the IdP failed)
   * count as failures; any answer, a refusal included, shows the IdP works.
   */
  run<T>(call: () => Promise<T>): Promise<T>;
  readonly status: BreakerStatus;
}

/**
 * Closed → (failureThreshold consecutive failures) → open → (coolOffMs) → half-open: exactly one
 * probe call goes through while the others fail fast; the probe's success closes the circuit,
 * its failure opens it for another cool-off. Why: a down or slow IdP must not get every request's
 * call and hold every request for the full timeout.
 */
export function createCircuitBreaker(options: BreakerOptions): CircuitBreaker {
  const now = options.now ?? Date.now;
  let state: BreakerState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probing = false;
  let rejected = 0;
  let opened = 0;

  const moveTo = (to: BreakerState): void => {
    if (to === state) return;
    const from = state;
    state = to;
    if (to === 'open') {
      openedAt = now();
      opened++;
    }
    options.onStateChange?.(options.name, from, to);
  };
  const refuse = (why: string): SidecarError => {
    rejected++;
    return new SidecarError('claims_unavailable', `${options.name} is failing (${failures} consecutive failures): ${why} (circuit open)`);
  };

  return {
    async run(call) {
      let probe = false;
      if (state === 'open') {
        const left = openedAt + options.coolOffMs - now();
        if (left > 0) throw refuse(`calls paused for another ${left} ms`);
        moveTo('half-open');
      }
      if (state === 'half-open') {
        if (probing) throw refuse('a probe call is in flight');
        probing = probe = true;
      }
      try {
        const result = await call();
        failures = 0;
        moveTo('closed');
        return result;
      } catch (err) {
        if (err instanceof SidecarError && err.code === 'claims_unavailable') {
          failures++;
          if (probe || failures >= options.failureThreshold) {
            if (state === 'open') openedAt = now();
            else moveTo('open');
          }
        } else {
          failures = 0;
          moveTo('closed');
        }
        throw err;
      } finally {
        if (probe) probing = false;
      }
    },
    get status() {
      return { state, consecutiveFailures: failures, rejected, opened };
    },
  };
}
