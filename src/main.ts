import { parseArgs } from 'node:util';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Settings } from './runtime/settings.ts';

const SERVE_HELP = `Usage: authz-sidecar serve [--config <file>]

Runs the sidecar. Configuration comes from a YAML or JSON file (--config or AUTHZ_CONFIG)
with environment overrides: AUTHZ_ISSUER, AUTHZ_AUDIENCE, AUTHZ_BUNDLE, AUTHZ_LISTEN,
AUTHZ_DECISION_LOG, AUTHZ_ENTRYPOINT, AUTHZ_HMAC_SECRET, AUTHZ_DECISION_LOG_URL,
AUTHZ_DECISION_LOG_TOKEN, AUTHZ_DECISION_LOG_CHECKPOINT_KEY. Every key: docs/configuration.md.
An invalid configuration exits with status 2 and a message naming the key.
SIGTERM or SIGINT stops gracefully: /ready answers 503, in-flight requests finish, the
decision log and process log are flushed, exit 0. SIGHUP reloads the configuration when
every changed key is reloadable and the new parts load; otherwise the running one stays.
With workers > 1 (AUTHZ_WORKERS, 0 = one per core) a node:cluster primary runs the workers.
See docs/operations.md.

Options:
  -c, --config <file>   configuration file (YAML or JSON)
  -h, --help            show this help`;

/**
 * `authz-sidecar serve`: the process entry. Parses the arguments, loads the settings (an invalid
 * configuration throws `config_error` before anything starts), then either runs the cluster
 * primary or starts the runtime (src/runtime/) and wires signals: SIGTERM/SIGINT stop it,
 * SIGHUP reloads. Resolves to the exit status.
 */
export async function serve(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${SERVE_HELP}\n`);
    return 0;
  }
  // Loaded after --help: help must not pay for express, prom-client, opa-wasm and the rest (~1 s).
  const [{ loadSettings }, { createRuntime }, { createProcessLog }, { createMetrics }, { runPrimary }, { linkWorker }, { waitForSignals }, { relayFileSink }] = await Promise.all([
    import('./runtime/settings.ts'),
    import('./runtime/runtime.ts'),
    import('./lib/process-log.ts'),
    import('./metrics/sidecar-metrics.ts'),
    import('./lifecycle/run-primary.ts'),
    import('./lifecycle/worker-link.ts'),
    import('./lifecycle/wait-for-signals.ts'),
    import('./lifecycle/relay-decision-log.ts'),
  ]);
  const load = (): Settings => loadSettings({ file: values.config });
  const settings = load();
  const log = createProcessLog(settings.config.log.level);
  const workers = settings.config.workers === 0 ? availableParallelism() : settings.config.workers;
  if (workers > 1 && cluster.isPrimary) return await runPrimary({ config: settings.config, workers, log, loadConfig: () => load().config });

  const metrics = createMetrics();
  metrics.trackProcessLogDrops(() => log.dropped);
  const worker = cluster.isWorker ? linkWorker(metrics) : undefined;
  const runtime = createRuntime(settings, log, {
    metrics,
    ...(worker ? { metricsSource: worker.metricsSource, serveDiagnostics: false, decisionLogFileSink: relayFileSink((lines) => worker.writeDecisionLog(lines)) } : {}),
  });
  await runtime.start();
  void runtime.whenReady().then(() => worker?.send({ authz: 'ready' }));
  const reload = async (): Promise<void> => {
    let next: Settings;
    try {
      next = load();
    } catch (err) {
      metrics.recordConfigReload('failure');
      log.error('configuration reload refused; the running configuration stays', { detail: (err as Error).message });
      return;
    }
    await runtime.reload(next);
  };
  const signals = waitForSignals({
    stop: async () => {
      worker?.send({ authz: 'draining' });
      await runtime.stop();
    },
    reload,
  });
  worker?.onCommand({ shutdown: () => signals.stop('shutdown requested by the cluster primary'), reload: () => void reload() });
  await signals.done;
  await log.flush();
  worker?.close();
  return 0;
}
