/** A request's abort signal and the function that releases what it holds once the request is over. */
export interface DeadlineSignal {
  readonly signal: AbortSignal;
  release(): void;
}

/**
 * A signal that aborts with a TimeoutError after `ms`, or with `outer`'s reason if `outer` aborts first. Why not
 * `AbortSignal.timeout` and `AbortSignal.any`: every call of those registers its signals in FinalizationRegistries and
 * holds WeakRefs that outlive the request until a full GC runs their cleanup, and this is made once per request in the
 * calling service (the sidecar's own IdP calls had the same cost: src/claims/idp-pool.ts). Call `release()` when the
 * request is over: it clears the timer and the listener on `outer`. The timer does not keep the process alive.
 */
export function deadlineSignal(ms: number, outer?: AbortSignal): DeadlineSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  timer.unref();
  const onAbort = (): void => controller.abort(outer!.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}
