import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/config.ts';
import type { ProcessLogHandle } from '../lib/process-log.ts';
import { createDiagnosticsHandler } from '../http/create-handler.ts';
import type { ProbeApi } from '../http/http-api.ts';
import { createListener, type Listener } from '../http/listener.ts';
import { relayLines } from './relay-lines.ts';
import { createPrimaryDecisionLog } from './primary-decision-log.ts';
import { planReload } from '../runtime/plan-reload.ts';
import { waitForSignals } from './wait-for-signals.ts';
import type { PrimaryMessage, WorkerMessage } from './worker-link.ts';

export interface PrimaryOptions {
  readonly config: Config;
  readonly workers: number;
  readonly log: ProcessLogHandle;
  /** Re-reads the configuration for SIGHUP; throws a config_error when it is invalid. */
  readonly loadConfig: () => Config;
}

/** A worker that dies this many times within RESTART_WINDOW_MS stops the cluster instead of looping. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 1000;

/**
 * The cluster primary: forks one sidecar worker per slot (they share the listener), relays their
 * stdout and stderr line by line, restarts a worker that dies, forwards SIGHUP, and on SIGTERM or
 * SIGINT asks every worker to stop gracefully and exits once all have (0 when all exited 0).
 * With `diagnostics.listen` it serves /health, /ready (every worker ready) and /metrics (summed).
 *
 * One function on purpose (longer than 80 lines): the set of live workers, the restart window and the shutdown flag are the primary's state, read by the fork, exit and signal handlers.
 */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { config, workers, log } = options;
  const aggregator = new AggregatorRegistry();
  // The workers relay their decision-log records here: one writer, one hash chain (primary-decision-log.ts).
  const decisionLog = createPrimaryDecisionLog(config, log);
  let running = config;
  await decisionLog.open();
  cluster.setupPrimary({ silent: true });
  const ready = new Set<number>();
  const live = new Set<Worker>();
  const relays = new Map<number, Promise<unknown>>();
  const restarts: number[] = [];
  let shuttingDown = false;
  let failed = false;
  let resolveAllExited!: () => void;
  const allExited = new Promise<void>((resolve) => (resolveAllExited = resolve));

  const fork = (): Worker => {
    const worker = cluster.fork();
    const id = worker.id;
    live.add(worker);
    relays.set(id, Promise.all([relayLines(worker.process.stdout!, process.stdout), relayLines(worker.process.stderr!, process.stderr)]).catch(() => undefined));
    worker.on('message', (msg: WorkerMessage) => {
      if (msg === null || typeof msg !== 'object' || !('authz' in msg)) return;
      if (msg.authz === 'ready') ready.add(id);
      else if (msg.authz === 'draining') ready.delete(id);
      else if (msg.authz === 'log-write') {
        decisionLog.write(msg.lines).then(
          (r) => send(worker, { authz: 'log-ack', id: msg.id, ...r }),
          (err: Error) => send(worker, { authz: 'log-nack', id: msg.id, error: err.message }),
        );
      }
      else if (msg.authz === 'metrics-req') {
        aggregator.clusterMetrics().then(
          (text) => send(worker, { authz: 'metrics-res', id: msg.id, text }),
          (err: Error) => send(worker, { authz: 'metrics-res', id: msg.id, error: err.message }),
        );
      }
    });
    worker.on('exit', (code, signal) => {
      ready.delete(id);
      live.delete(worker);
      if (shuttingDown) {
        if (code !== 0) failed = true;
        log.info('worker stopped', { worker: id, pid: worker.process.pid, code, signal });
        if (live.size === 0) resolveAllExited();
        return;
      }
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > MAX_RESTARTS) {
        log.error('workers keep dying; stopping the cluster', { worker: id, code, signal, restarts: restarts.length, window_ms: RESTART_WINDOW_MS });
        failed = true;
        signals.stop('worker crash loop');
        return;
      }
      log.error('worker died; starting a new one', { worker: id, pid: worker.process.pid, code, signal, delay_ms: RESTART_DELAY_MS });
      setTimeout(() => {
        if (!shuttingDown) fork();
      }, RESTART_DELAY_MS).unref();
    });
    return worker;
  };

  const notReadyReason = (): string | undefined => {
    if (shuttingDown) return 'shutting down';
    return ready.size >= workers ? undefined : `${ready.size} of ${workers} workers ready`;
  };
  // The probes answer for the whole cluster: ready when every worker is, metrics summed over workers.
  const probes: ProbeApi = {
    whyNotReady: notReadyReason,
    health: (q) => {
      const reason = q.bundles || q.plugins ? notReadyReason() : undefined;
      return reason === undefined ? { healthy: true } : { healthy: false, error: reason, plugins: { workers: { state: 'NOT_READY', message: reason } } };
    },
    metrics: { contentType: aggregator.contentType, scrape: () => aggregator.clusterMetrics() },
    log,
  };
  let diagnostics: Listener | undefined;
  if (config.diagnostics.listen) {
    diagnostics = createListener({
      name: 'diagnostics',
      handler: createDiagnosticsHandler(() => probes),
      config,
      listen: config.diagnostics.listen,
      log,
      describe: { paths: ['/health', '/ready', '/metrics'] },
    });
    await diagnostics.start();
  }
  log.info('cluster starting', { workers });
  for (let i = 0; i < workers; i++) fork();

  const signals = waitForSignals({
    async stop(reason) {
      shuttingDown = true;
      log.info('cluster stopping', { reason, workers: live.size });
      if (live.size === 0) resolveAllExited();
      for (const w of live) send(w, { authz: 'shutdown' });
      // Workers bound themselves by shutdown.timeoutMs; this only guards against a hung one.
      const limit = config.shutdown.drainDelayMs + config.shutdown.timeoutMs + 10_000;
      const timer = setTimeout(() => {
        for (const w of live) w.process.kill('SIGKILL');
        failed = true;
      }, limit);
      await allExited;
      clearTimeout(timer);
      await Promise.all(relays.values());
      await decisionLog.close();
      await diagnostics?.stop();
      log.info('cluster stopped', { clean: !failed });
      await log.flush();
    },
    async reload() {
      try {
        const next = options.loadConfig();
        // The workers refuse a reload that changes a restart-only key: then the file stays too.
        if (planReload(running, next).needRestart.length === 0) {
          // The file the workers relay to changes first, so their next records go to the new target.
          await decisionLog.reconfigure(next);
          running = next;
        }
        log.setLevel(next.log.level);
      } catch (err) {
        log.error('configuration reload refused; the running configuration stays', { detail: (err as Error).message });
        // The workers read the same file, refuse it too and count it (authz_config_reloads_total{result="failure"}):
        // the primary has no metrics of its own, and a refused reload must be visible to alerts.
      }
      for (const w of live) send(w, { authz: 'reload' });
    },
  });
  await signals.done;
  return failed ? 1 : 0;
}

function send(worker: Worker, message: PrimaryMessage): void {
  if (worker.isConnected()) worker.send(message);
}
