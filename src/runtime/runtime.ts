import { createExtAuthzGrpcListener, type GrpcListener } from '../ext-authz/grpc-listener.ts';
import { createDiagnosticsHandler } from '../http/create-handler.ts';
import type { MetricsSource } from '../http/http-api.ts';
import { createListener, type Listener } from '../http/listener.ts';
import type { Component } from '../lib/component.ts';
import type { FileSinkFactory } from '../decision-log/file-sink-options.ts';
import type { Level, ProcessLog, ProcessLogHandle } from '../lib/process-log.ts';
import { decisionLogCounts } from '../metrics/decision-log-counts.ts';
import { createMetrics, type SidecarMetrics } from '../metrics/sidecar-metrics.ts';
import { createIssuerDiscovery } from '../token/issuer-discovery.ts';
import { createDecisionTracer } from '../tracing/decision-tracer.ts';
import { buildGeneration, type Generation } from './generation.ts';
import { whyNotReady } from './health.ts';
import { discard, prepareReload } from './prepare-reload.ts';
import type { Services } from './services.ts';
import type { Settings } from './settings.ts';

export interface Runtime {
  /** Starts every component (the listeners last); resolves once the API socket is bound. */
  start(): Promise<{ url: string }>;
  /** Resolves when decisions can be made: a bundle is active and the issuer discovered. */
  whenReady(): Promise<void>;
  /**
   * Graceful: `/ready` answers 503 at once, the API keeps serving for `shutdown.drainDelayMs`,
   * then stops accepting, finishes in-flight requests (up to `shutdown.timeoutMs`), and the other
   * components stop in reverse order, the decision log last (flushed). Safe to call more than once.
   */
  stop(): Promise<void>;
  /**
   * Takes on new settings (SIGHUP) when every changed key is reloadable and the new components
   * load (bundle, decision log); otherwise the generation in service stays, untouched.
   */
  reload(next: Settings): Promise<ReloadOutcome>;
  /** The generation in service. */
  readonly current: Generation;
  readonly metrics: SidecarMetrics;
  /** The diagnostics listener's URL once started (`diagnostics.listen`), else undefined. */
  readonly diagnosticsUrl: string | undefined;
  /** The ext_authz gRPC listener's address once started (`extAuthz.grpc.listen`), else undefined. */
  readonly grpcAddress: string | undefined;
}

export type ReloadOutcome = { readonly ok: true; readonly changed: readonly string[] } | { readonly ok: false; readonly error: string };

export interface RuntimeOptions {
  /** The registry to record into (the CLI shares one with the process log); a new one otherwise. */
  readonly metrics?: SidecarMetrics;
  /** What `GET /metrics` answers; in cluster mode the workers' sum from the primary. */
  readonly metricsSource?: MetricsSource;
  /** False in a cluster worker: the primary serves `diagnostics.listen` for the whole cluster. */
  readonly serveDiagnostics?: boolean;
  /** The clock of the claims cache and circuit breakers (tests move it instead of sleeping). */
  readonly now?: () => number;
  /** In a cluster worker: the relay to the primary, which owns the decision log file (src/lifecycle/relay-decision-log.ts). */
  readonly decisionLogFileSink?: FileSinkFactory;
}

/** Turns validated settings into running components: the first generation, the listeners and discovery. *
 * One closure on purpose (longer than 80 lines): the generation in service, the listeners and the stop promise are the runtime's state, shared by start(), reload() and stop().
 */
export function createRuntime(initial: Settings, log: ProcessLog, options: RuntimeOptions = {}): Runtime {
  const config = initial.config;
  const metrics = options.metrics ?? createMetrics();
  const discovery = createIssuerDiscovery({
    issuer: config.issuer,
    ...config.discovery,
    onRetry: (attempt, delayMs, err) => log.warn('issuer discovery failed; retrying', { attempt, delay_ms: delayMs, detail: err.message }),
    onDiscovered: (found) => log.info('issuer discovered', { issuer: found.issuer, jwks_uri: found.jwksUri, userinfo_endpoint: found.userinfoEndpoint }),
  });
  const services: Services = {
    log,
    metrics,
    metricsSource: options.metricsSource ?? metrics,
    tracer: config.tracing.enabled ? createDecisionTracer() : undefined,
    discovery,
    now: options.now ?? Date.now,
    ...(options.decisionLogFileSink ? { fileSink: options.decisionLogFileSink } : {}),
  };
  const api: Listener = createListener({
    name: 'listener',
    handler: (req, res) => {
      // The request is served by the generation in service when it arrives, to its end (see reloadNow).
      const gen = current;
      res.once('close', gen.enter());
      gen.handler(req, res);
    },
    config,
    listen: config.listen,
    log,
    drains: true,
    hooks: { onRequestStart: () => metrics.recordRequestStart(), onRequestEnd: () => metrics.recordRequestEnd(), onCut: (n) => metrics.recordRequestsCut(n) },
  });
  const diagnostics: Listener | undefined =
    config.diagnostics.listen && options.serveDiagnostics !== false
      ? createListener({ name: 'diagnostics', handler: createDiagnosticsHandler(() => current), config, listen: config.diagnostics.listen, log, describe: { paths: ['/health', '/ready', '/metrics'] } })
      : undefined;
  // Envoy's ext_authz over gRPC (src/ext-authz/), off unless extAuthz.grpc.listen is set.
  const grpc: GrpcListener | undefined = config.extAuthz.grpc.listen
    ? createExtAuthzGrpcListener({ listen: config.extAuthz.grpc.listen, maxReceiveBytes: config.extAuthz.grpc.maxReceiveBytes, shutdown: config.shutdown, current: () => current, log })
    : undefined;
  /** Components that live as long as the process, in stop order: the API listener first (it drains), then gRPC (serving through that drain), discovery last. */
  const shared: readonly Component[] = [api, ...(grpc ? [grpc] : []), ...(diagnostics ? [diagnostics] : []), discovery];
  /** Start order: the generation's components, then discovery, then the listeners (the API last); stop is the reverse. */
  const startOrder = (gen: Generation): Component[] => [...gen.components, ...[...shared].reverse()];
  let current = buildGeneration(initial, services, { shared: () => shared });
  let stopping: Promise<void> | undefined;
  let retired = { written: 0, dropped: 0 };
  metrics.trackDecisionLog(() => decisionLogCounts(current.decisionLog.stats));

  // One reload at a time: each one plans against the configuration the previous one left.
  let reloading: Promise<unknown> = Promise.resolve();
  const refuse = (error: string): ReloadOutcome => {
    metrics.recordConfigReload('failure');
    log.error('configuration reload refused; the running configuration stays', { detail: error });
    return { ok: false, error };
  };

  async function reloadNow(settings: Settings): Promise<ReloadOutcome> {
    if (stopping) return refuse('the sidecar is shutting down');
    const running = current;
    const prepared = await prepareReload(running, settings, services, () => shared);
    if (!prepared.ok) return refuse(prepared.error);
    const next = prepared.next;
    if (next === undefined) {
      metrics.recordConfigReload('success');
      log.info('configuration reloaded; nothing changed');
      return { ok: true, changed: [] };
    }
    if (stopping) {
      await discard(running, next);
      return refuse('the sidecar began shutting down');
    }
    current = next;
    next.goLive();
    (log as Partial<ProcessLogHandle>).setLevel?.(settings.config.log.level as Level);
    api.reconfigure(settings.config.shutdown);
    diagnostics?.reconfigure(settings.config.shutdown);
    grpc?.reconfigure(settings.config.shutdown);
    // Requests that began on the previous generation finish on it, its decision log included: its own components
    // stop once they are done (or after shutdown.timeoutMs; a decision logged later is dropped and counted).
    if (!(await running.drained(settings.config.shutdown.timeoutMs))) {
      log.warn('requests begun before the reload are still running; the previous configuration stops anyway', { timeout_ms: settings.config.shutdown.timeoutMs });
    }
    for (const c of [...running.components].reverse()) if (!next.components.includes(c)) await c.stop();
    if (next.decisionLog !== running.decisionLog) {
      const s = running.decisionLog.stats;
      retired = { written: retired.written + s.written, dropped: retired.dropped + s.dropped };
    }
    metrics.recordConfigReload('success');
    log.info('configuration reloaded', { changed: prepared.changed });
    return { ok: true, changed: prepared.changed };
  }

  return {
    metrics,
    get current() {
      return current;
    },
    get diagnosticsUrl() {
      return diagnostics?.url;
    },
    get grpcAddress() {
      return grpc?.address;
    },
    async start() {
      current.goLive();
      for (const c of startOrder(current)) await c.start();
      return { url: api.url! };
    },
    async whenReady() {
      while (whyNotReady(current.components) !== undefined) await new Promise((r) => setTimeout(r, 10));
    },
    reload(next) {
      const run = reloading.then(() => reloadNow(next));
      reloading = run;
      return run;
    },
    stop() {
      stopping ??= (async () => {
        const gen = current;
        log.info('shutting down', { drain_delay_ms: gen.config.shutdown.drainDelayMs, in_flight: api.inFlight });
        let claimsCache: unknown;
        for (const c of startOrder(gen).reverse()) {
          // The cache's counters as the last request left them: stopping the identity empties it.
          if (c === gen.identity) claimsCache = gen.identity.admin.status().cache;
          await c.stop();
        }
        const { logged, written, dropped } = gen.decisionLog.stats;
        log.info('stopped', {
          decisions: logged,
          decisions_logged: retired.written + written,
          decisions_dropped: retired.dropped + dropped,
          requests_cut: api.cut,
          claims_cache: claimsCache,
        });
      })();
      return stopping;
    },
  };
}
