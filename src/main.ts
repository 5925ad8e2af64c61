import { closeSync, openSync } from 'node:fs';
import type { Config } from './config/config.ts';
import { SidecarError } from './errors/sidecar-error.ts';
import type { Level, ProcessLog, ProcessLogHandle } from './lib/process-log.ts';
import { discoverWithRetry, type IssuerMetadata } from './token/discover-issuer.ts';
import { createRemoteKeys } from './token/remote-keys.ts';
import { createTokenVerifier, type TokenVerifier } from './token/verify-token.ts';
import { createClaimsCache, type ClaimsCache } from './claims/claims-cache.ts';
import { createClaimsEnricher, type ClaimsEnricher } from './claims/enrich-claims.ts';
import { createUserinfoClient, type UserinfoClient } from './claims/userinfo-client.ts';
import { createBundleLoader, type BundleLoader } from './policy/bundle-loader.ts';
import { createDecisionLogger, type DecisionLogger } from './decision-log/decision-logger.ts';
import { createAuthorizer } from './decision/authorize.ts';
import { createApp } from './http/create-app.ts';
import { startServer, type RunningServer } from './http/start-server.ts';
import { diagnosticsHandler, type MetricsSource } from './http/diagnostics-handler.ts';
import { createMetrics, type DecisionLogCounts, type SidecarMetrics } from './metrics/sidecar-metrics.ts';
import { instrumentUserinfo } from './metrics/instrument-userinfo.ts';
import { createDecisionTracer } from './tracing/decision-tracer.ts';
import { planReload } from './lifecycle/reload-plan.ts';

export interface Sidecar {
  /** Listens and starts discovery and bundle loading; resolves once the socket is bound. */
  start(): Promise<{ url: string }>;
  /** Resolves when the bundle is active and the issuer discovered. */
  whenReady(): Promise<void>;
  /**
   * Graceful: `/ready` answers 503 at once, the API keeps serving for `shutdown.drainDelayMs`,
   * then stops accepting, finishes in-flight requests (up to `shutdown.timeoutMs`) and flushes
   * the decision log. Safe to call more than once.
   */
  stop(): Promise<void>;
  /**
   * Takes on a new configuration (SIGHUP) when every changed key is reloadable and its new parts
   * load (bundle, decision log target); otherwise the running configuration stays, untouched.
   */
  reload(next: Config): Promise<ReloadOutcome>;
  readonly metrics: SidecarMetrics;
  readonly config: Config;
  /** The diagnostics listener's URL once started (`diagnostics.listen`), else undefined. */
  readonly diagnosticsUrl: string | undefined;
}

export type ReloadOutcome = { readonly ok: true; readonly changed: readonly string[] } | { readonly ok: false; readonly error: string };

export interface SidecarOptions {
  /** The registry to record into (the CLI shares one with the process log); a new one otherwise. */
  readonly metrics?: SidecarMetrics;
  /** What `GET /metrics` answers; in cluster mode the workers' sum from the primary. */
  readonly metricsSource?: MetricsSource;
  /** False in a cluster worker: the primary serves `diagnostics.listen` for the whole cluster. */
  readonly serveDiagnostics?: boolean;
}

/** The parts a reload may replace; everything else lives as long as the process. */
interface Generation {
  readonly config: Config;
  readonly decisionLog: DecisionLogger;
  readonly bundles: BundleLoader;
  readonly cache: ClaimsCache;
  readonly pipeline: { verify: TokenVerifier; enrich: ClaimsEnricher } | undefined;
  readonly app: ReturnType<typeof createApp>;
}

/** Composition root: builds every component from the validated config and wires them. */
export function createSidecar(initial: Config, log: ProcessLog, options: SidecarOptions = {}): Sidecar {
  const metrics = options.metrics ?? createMetrics();
  const metricsSource: MetricsSource = options.metricsSource ?? metrics;
  const tracer = initial.tracing.enabled ? createDecisionTracer() : undefined;
  const abort = new AbortController();
  let meta: IssuerMetadata | undefined;
  let keys: ReturnType<typeof createRemoteKeys> | undefined;
  let userinfo: UserinfoClient | undefined;
  let server: RunningServer | undefined;
  let diagnostics: RunningServer | undefined;
  let draining = false;
  let stopping: Promise<void> | undefined;
  let retired = { written: 0, dropped: 0 };
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  const makeBundles = (config: Config): BundleLoader => {
    const loader: BundleLoader = createBundleLoader({
      path: config.policy.bundle,
      ...config.policy,
      onActivated: (revision) => {
        metrics.recordBundleLoad('success');
        if (gen?.bundles !== loader) return; // a reload candidate: recorded when it is swapped in
        metrics.recordBundleActivation(revision);
        log.info('policy bundle activated', { bundle: config.policy.bundle, revision });
        checkReady();
      },
      onRejected: (err) => {
        metrics.recordBundleLoad('failure');
        if (gen?.bundles !== loader) return;
        log.error('policy bundle rejected; the active one stays', { bundle: config.policy.bundle, code: err.code, detail: err.message });
      },
    });
    return loader;
  };
  const makePipeline = (config: Config, cache: ClaimsCache): Generation['pipeline'] => {
    if (!meta || !keys) return undefined;
    const verify = createTokenVerifier({ ...config.token, issuer: config.issuer, audience: config.audience, keys });
    const enrich = createClaimsEnricher({ ...config.claims, userinfo, cache });
    return { verify, enrich };
  };
  const makeApp = (config: Config) =>
    createApp({
      authorize,
      readiness: { notReadyReason, draining: () => draining },
      log,
      maxBodyBytes: config.http.maxBodyBytes,
      forwardAuthPath: config.http.forwardAuthPath,
      metrics: metricsSource,
    });

  /** Why decisions cannot be made yet; draining is not a reason: requests are served until the listener closes. */
  function notReadyReason(): string | undefined {
    if (!gen.bundles.engine) return `no policy bundle is active (${gen.bundles.status.lastError?.message ?? 'loading'})`;
    if (!gen.pipeline) return `issuer discovery has not succeeded yet (${gen.config.issuer})`;
    return undefined;
  }
  function checkReady(): void {
    if (notReadyReason() === undefined) resolveReady();
  }

  const authorize = createAuthorizer({
    verify: (token) => {
      if (!gen.pipeline) throw new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
      return gen.pipeline.verify(token);
    },
    enrich: (token, verified) => gen.pipeline!.enrich(token, verified),
    engine: () => gen.bundles.engine,
    // Read at each decision, so a reload's new log takes every event after the swap.
    log: { log: (event) => gen.decisionLog.log(event) },
    observe: (event, req) => {
      metrics.recordDecision(event.error ? 'error' : event.result.allow ? 'allow' : 'deny', event.error?.code, event.timings_us);
      const cache = event.claims.cache;
      if (cache === 'hit' || cache === 'miss' || cache === 'uncached' || cache === 'stale') metrics.recordClaimsCache(cache);
      tracer?.record(event, req.traceparent);
    },
  });

  // The bundle loader's callbacks read `gen`; they first run in start(), after this assignment.
  let gen: Generation = {
    config: initial,
    decisionLog: createDecisionLogger(initial.decisionLog.target, initial.decisionLog.bufferEvents),
    bundles: makeBundles(initial),
    cache: createClaimsCache(initial.claims.cacheMaxEntries),
    pipeline: undefined,
    app: makeApp(initial),
  };
  metrics.trackDecisionLog(() => decisionLogCounts(gen.decisionLog));

  const onDiscovered = (found: IssuerMetadata): void => {
    meta = found;
    keys = createRemoteKeys({
      jwksUri: found.jwksUri,
      ...gen.config.jwks,
      onRefused: (kid, reason) => log.warn('refused a key from the JWKS', { kid, reason }),
      onFetch: (ok) => metrics.recordJwksFetch(ok),
    });
    userinfo = found.userinfoEndpoint
      ? instrumentUserinfo(createUserinfoClient({ endpoint: found.userinfoEndpoint, ...gen.config.claims.userinfo }), metrics)
      : undefined;
    gen = { ...gen, pipeline: makePipeline(gen.config, gen.cache) };
  };

  // One reload at a time: each one plans against the configuration the previous one left.
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (next: Config): Promise<ReloadOutcome> => {
    const run = reloading.then(() => reloadNow(next));
    reloading = run;
    return run;
  };

  async function reloadNow(next: Config): Promise<ReloadOutcome> {
    const running = gen;
    const refuseEarly = draining ? 'the sidecar is shutting down' : undefined;
    const plan = planReload(running.config, next);
    const refuse = (error: string): ReloadOutcome => {
      metrics.recordConfigReload('failure');
      log.error('configuration reload refused; the running configuration stays', { detail: error });
      return { ok: false, error };
    };
    if (refuseEarly) return refuse(refuseEarly);
    if (plan.needRestart.length > 0) return refuse(`these keys change only with a restart: ${plan.needRestart.join(', ')}`);
    if (plan.changed.length === 0) {
      metrics.recordConfigReload('success');
      log.info('configuration reloaded; nothing changed');
      return { ok: true, changed: [] };
    }
    const changed = (prefix: string) => plan.changed.some((k) => k.startsWith(prefix));

    let decisionLog = running.decisionLog;
    if (changed('decisionLog.')) {
      if (next.decisionLog.target !== 'stdout') {
        try {
          closeSync(openSync(next.decisionLog.target, 'a'));
        } catch (err) {
          return refuse(`decisionLog.target '${next.decisionLog.target}' cannot be opened: ${(err as Error).message}`);
        }
      }
      decisionLog = createDecisionLogger(next.decisionLog.target, next.decisionLog.bufferEvents);
    }
    let bundles = running.bundles;
    if (changed('policy.')) {
      bundles = makeBundles(next);
      const err = await bundles.reload();
      if (err) {
        bundles.close();
        if (decisionLog !== running.decisionLog) await decisionLog.close();
        return refuse(`the new policy bundle does not load: ${err.message}`);
      }
    }
    // Roles in the cache were read with the old role claims and TTL: start a fresh cache.
    const cache = changed('claims.') ? createClaimsCache(next.claims.cacheMaxEntries) : running.cache;
    const pipeline = changed('token.') || changed('audience') || changed('claims.') ? makePipeline(next, cache) : running.pipeline;
    const app = changed('http.') ? makeApp(next) : running.app;
    if (draining) {
      if (bundles !== running.bundles) bundles.close();
      if (decisionLog !== running.decisionLog) await decisionLog.close();
      return refuse('the sidecar began shutting down');
    }

    gen = { config: next, decisionLog, bundles, cache, pipeline, app };
    (log as Partial<ProcessLogHandle>).setLevel?.(next.log.level as Level);
    if (bundles !== running.bundles) {
      running.bundles.close();
      if (next.policy.watch) bundles.watch();
      metrics.recordBundleActivation(bundles.engine!.revision);
    }
    if (cache !== running.cache) running.cache.close();
    if (decisionLog !== running.decisionLog) {
      await running.decisionLog.close();
      const s = running.decisionLog.stats;
      retired = { written: retired.written + s.written, dropped: retired.dropped + s.dropped };
      metrics.trackDecisionLog(() => decisionLogCounts(gen.decisionLog));
    }
    metrics.recordConfigReload('success');
    log.info('configuration reloaded', { changed: plan.changed });
    return { ok: true, changed: plan.changed };
  }

  return {
    metrics,
    get config() {
      return gen.config;
    },
    get diagnosticsUrl() {
      return diagnostics?.url;
    },
    async start() {
      const config = gen.config;
      server = await startServer((req, res) => gen.app(req, res), config, config.listen, {
        onRequestStart: () => metrics.recordRequestStart(),
        onRequestEnd: () => metrics.recordRequestEnd(),
      });
      log.info('listening', { url: server.url });
      if (config.diagnostics.listen && options.serveDiagnostics !== false) {
        diagnostics = await startServer(diagnosticsHandler({ notReadyReason: () => (draining ? 'shutting down' : notReadyReason()), metrics: metricsSource }), config, config.diagnostics.listen);
        log.info('diagnostics listening', { url: diagnostics.url, paths: ['/health', '/ready', '/metrics'] });
      }
      void gen.bundles.reload();
      if (config.policy.watch) gen.bundles.watch();
      void discoverWithRetry(config.issuer, {
        ...config.discovery,
        signal: abort.signal,
        onRetry: (attempt, delayMs, err) => log.warn('issuer discovery failed; retrying', { attempt, delay_ms: delayMs, detail: err.message }),
      }).then(
        (found) => {
          onDiscovered(found);
          log.info('issuer discovered', { issuer: found.issuer, jwks_uri: found.jwksUri, userinfo_endpoint: found.userinfoEndpoint });
          checkReady();
        },
        () => undefined,
      );
      return { url: server.url };
    },
    whenReady: () => ready,
    reload,
    stop() {
      stopping ??= (async () => {
        draining = true;
        const { drainDelayMs, timeoutMs } = gen.config.shutdown;
        log.info('shutting down', { drain_delay_ms: drainDelayMs, in_flight: server?.inFlight ?? 0 });
        if (drainDelayMs > 0 && server) await new Promise((r) => setTimeout(r, drainDelayMs));
        abort.abort();
        gen.bundles.close();
        log.info('closing the listener', { in_flight: server?.inFlight ?? 0 });
        const { cut } = (await server?.shutdown(timeoutMs)) ?? { cut: 0 };
        if (cut > 0) {
          metrics.recordRequestsCut(cut);
          log.error('shutdown timeout: requests cut before they were answered', { cut, timeout_ms: timeoutMs });
        }
        await diagnostics?.shutdown(Math.min(timeoutMs, 1000));
        await userinfo?.close();
        gen.cache.close();
        await gen.decisionLog.close();
        const { written, dropped } = gen.decisionLog.stats;
        log.info('stopped', { decisions_logged: retired.written + written, decisions_dropped: retired.dropped + dropped, requests_cut: cut });
      })();
      return stopping;
    },
  };
}

/** Today's logger counts drops without a reason; src/decision-log reports reasons once it has them. */
function decisionLogCounts(logger: DecisionLogger): DecisionLogCounts {
  const s = logger.stats;
  return { written: s.written, buffered: s.buffered, dropped: s.dropped > 0 ? { unspecified: s.dropped } : {} };
}
