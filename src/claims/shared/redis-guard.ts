/** Every outcome the shared tier counts (`authz_claims_shared_total{outcome}`): a closed set. */
export type SharedOutcome =
  | 'hit'
  | 'miss'
  | 'stale'
  | 'refusal'
  | 'forged'
  | 'waited'
  | 'timeout'
  | 'error'
  | 'breaker_open'
  | 'evict_sent'
  | 'evict_received';

export const SHARED_OUTCOMES: readonly SharedOutcome[] = ['hit', 'miss', 'stale', 'refusal', 'forged', 'waited', 'timeout', 'error', 'breaker_open', 'evict_sent', 'evict_received'];

export type GuardFailure = 'timeout' | 'error' | 'breaker_open';
export type Guarded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: GuardFailure; readonly detail: string };

export interface GuardOptions {
  readonly failureThreshold: number;
  readonly coolOffMs: number;
  readonly now: () => number;
  readonly onFailure: (failure: GuardFailure) => void;
}

export interface RedisGuard {
  /** Runs one Redis operation within `budgetMs`; never throws, never waits longer than the budget. */
  run<T>(op: () => Promise<T>, budgetMs: number): Promise<Guarded<T>>;
  readonly open: boolean;
  /**
   * True from the failure that opened the breaker until a call succeeds: also after the cool-off, while no
   * probe has been sent yet (no request needed the tier), when `open` is already false. What the status reads,
   * so a Redis that stopped answering is not reported healthy just because nobody asked it since.
   */
  readonly tripped: boolean;
  readonly consecutiveFailures: number;
  readonly lastFailure: string | undefined;
}

/**
 * A time budget and a circuit breaker around Redis calls. After `failureThreshold` consecutive
 * failures (errors or overrun budgets) the breaker opens: calls are refused without reaching Redis
 * for `coolOffMs`, then one probe goes through and its result closes or reopens it. Why not
 * claims/circuit-breaker.ts: that one counts only `claims_unavailable` SidecarErrors of an IdP,
 * and a Redis failure is never an error of the request — here it is a value the caller turns into
 * a miss. Why a budget on top of the client's command timeout: a read may hold a request only for
 * `claims.shared.readBudgetMs` (20 ms), far shorter than a write may take.
 */
export function createRedisGuard(options: GuardOptions): RedisGuard {
  let failures = 0;
  let openUntil = 0;
  let probing = false;
  let lastFailure: string | undefined;

  const fail = <T>(failure: GuardFailure, detail: string, probe: boolean): Guarded<T> => {
    if (failure !== 'breaker_open') {
      failures++;
      lastFailure = `${failure}: ${detail}`;
      if (probe || failures >= options.failureThreshold) openUntil = options.now() + options.coolOffMs;
    }
    options.onFailure(failure);
    return { ok: false, failure, detail };
  };

  return {
    async run<T>(op: () => Promise<T>, budgetMs: number): Promise<Guarded<T>> {
      let probe = false;
      if (failures >= options.failureThreshold) {
        if (options.now() < openUntil || probing) return fail('breaker_open', 'the shared tier is paused after repeated Redis failures', false);
        probing = probe = true;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        // The budget ends in the check phase, after the poll phase that reads sockets: when this process was
        // itself busy past the budget, an answer Redis already sent wins over the timer, so the budget measures
        // Redis, not our own event-loop lag.
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => setImmediate(() => resolve('timeout')), budgetMs);
        });
        // A late rejection (after the budget ran out) is caught here too, never left unhandled.
        const answer = op().then(
          (value) => ({ value }),
          (err: unknown) => ({ err }),
        );
        const result = await Promise.race([answer, timeout]);
        if (result === 'timeout') return fail('timeout', `no answer within ${budgetMs} ms`, probe);
        if ('err' in result) return fail('error', (result.err as Error)?.message ?? String(result.err), probe);
        failures = 0;
        return { ok: true, value: result.value };
      } catch (err) {
        return fail('error', (err as Error).message, probe);
      } finally {
        clearTimeout(timer);
        if (probe) probing = false;
      }
    },
    get open() {
      return failures >= options.failureThreshold && (options.now() < openUntil || probing);
    },
    get tripped() {
      return failures >= options.failureThreshold;
    },
    get consecutiveFailures() {
      return failures;
    },
    get lastFailure() {
      return lastFailure;
    },
  };
}
