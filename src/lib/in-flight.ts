/** Work in progress on one thing, and a way to wait until none is left. */
export interface InFlight {
  /** Counts one piece of work in; the returned function counts it out (once, however often it is called). */
  enter(): () => void;
  /** Resolves true when nothing is in flight, or false after `timeoutMs` with work still running. */
  drained(timeoutMs: number): Promise<boolean>;
  readonly count: number;
}

/**
 * A counter of requests on one generation of the sidecar (src/runtime/generation.ts): a reload stops the
 * previous generation's components only once the requests that started on it have finished, so none of them
 * hands its decision to a decision log that has already stopped.
 */
export function createInFlight(): InFlight {
  let count = 0;
  let waiters: (() => void)[] = [];
  return {
    enter() {
      count++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        count--;
        if (count === 0) {
          const done = waiters;
          waiters = [];
          for (const w of done) w();
        }
      };
    },
    drained(timeoutMs) {
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done);
          resolve(false);
        }, timeoutMs);
        waiters.push(done);
      });
    },
    get count() {
      return count;
    },
  };
}
