export interface SignalHandlers {
  /** SIGTERM or SIGINT: stop gracefully. */
  stop(reason: string): Promise<void>;
  /** SIGHUP: reload the configuration. */
  reload(): Promise<unknown>;
}

/**
 * Runs until SIGTERM or SIGINT has stopped the process gracefully; SIGHUP reloads meanwhile.
 * A second SIGTERM/SIGINT during the stop exits at once with 130, for an operator who has
 * decided not to wait. Resolves after `stop` finishes; the listeners are removed then.
 *
 * @example
 * await waitForSignals({ stop: () => sidecar.stop(), reload: () => reloadFromDisk() });
 */
export function waitForSignals(handlers: SignalHandlers): { done: Promise<void>; stop(reason: string): void } {
  let stopping: Promise<void> | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = handlers.stop(reason).then(
      () => {
        cleanup();
        resolveDone();
      },
      (err: unknown) => {
        cleanup();
        rejectDone(err);
      },
    );
  };
  const onStopSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    process.stderr.write(`authz-sidecar: ${signal} received, stopping...\n`);
    stop(signal);
  };
  const onHup = (): void => {
    if (!stopping) void handlers.reload();
  };
  process.on('SIGTERM', onStopSignal);
  process.on('SIGINT', onStopSignal);
  process.on('SIGHUP', onHup);
  function cleanup(): void {
    process.off('SIGTERM', onStopSignal);
    process.off('SIGINT', onStopSignal);
    process.off('SIGHUP', onHup);
  }
  return { done, stop };
}
