import { basename } from 'node:path';
import type { RequestListener } from 'node:http';
import type { Config } from './config/config.ts';
import { SidecarError } from './errors/sidecar-error.ts';
import type { Level, ProcessLog, ProcessLogHandle } from './lib/process-log.ts';
import { discoverWithRetry, type IssuerMetadata } from './token/discover-issuer.ts';
import { createClaimsAdmin, type ClaimsAdmin } from './claims/claims-admin.ts';
import { createBundleLoader, type BundleLoader } from './policy/bundle-loader.ts';
import { createDecisionLogger, type DecisionLogger } from './decision-log/decision-logger.ts';
import { createAuthorizer, type AuthorizerDeps } from './decision/authorize.ts';
import { createIdentityComponents, type IdentityComponents, type IdentityPipeline } from './decision/identity-pipeline.ts';
import { createDataQuery } from './decision/query-data.ts';
import { createSubjectFilter, type SubjectFilter } from './decision/relevant-roles.ts';
import { parseRoleClaims } from './claims/role-claims.ts';
import { createStatusRegistry } from './status/status-registry.ts';
import { createApp } from './http/create-app.ts';
import { createFastPath } from './http/fast-path.ts';
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
  /** The clock of the claims cache and circuit breakers (tests move it instead of sleeping). */
  readonly now?: () => number;
}

/** The parts a reload may replace; everything else lives as long as the process. */
interface Generation {
  readonly config: Config;
  readonly decisionLog: DecisionLogger;
  readonly bundles: BundleLoader;
  readonly identity: IdentityComponents;
  readonly claimsAdmin: ClaimsAdmin;
  readonly pipeline: IdentityPipeline | undefined;
  readonly app: RequestListener;
}

/** Composition root: builds every component from the validated config and wires them. */
export function createSidecar(initial: Config, log: ProcessLog, options: SidecarOptions = {}): Sidecar {
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? createMetrics();
  const metricsSource: MetricsSource = options.metricsSource ?? metrics;
  const tracer = initial.tracing.enabled ? createDecisionTracer() : undefined;
  const abort = new AbortController();
  const status = createStatusRegistry();
  let meta: IssuerMetadata | undefined;
  let server: RunningServer | undefined;
  let diagnostics: RunningServer | undefined;
  let draining = false;
  let stopping: Promise<void> | undefined;
  let retired = { written: 0, dropped: 0 };
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  const makeBundles = (config: Config): BundleLoader => {
    const location = config.policy.source === 'http' ? config.policy.server.url : config.policy.bundle;
    const loader: BundleLoader = createBundleLoader(config.policy, {
      onActivated: (revision, origin) => {
        metrics.recordBundleLoad('success');
        if (gen?.bundles !== loader) return; // a reload candidate: recorded when it is swapped in
        metrics.recordBundleActivation(revision);
        log.info('policy bundle activated', { bundle: location, revision, origin });
        checkReady();
      },
      onRejected: (err, origin) => {
        metrics.recordBundleLoad('failure');
        if (gen?.bundles !== loader) return;
        log.error('policy bundle rejected; the active one stays', { bundle: location, origin, code: err.code, detail: err.message });
      },
      onPersistError: (err) => log.warn('could not persist the bundle', { dir: config.policy.persistDir, detail: err.message }),
    });
    return loader;
  };
  const makeIdentity = (config: Config): IdentityComponents =>
    createIdentityComponents(config, log, now, {
      wrapUserinfo: (client) => instrumentUserinfo(client, metrics),
      onJwksFetch: (ok) => metrics.recordJwksFetch(ok),
      onBreakerState: (endpoint, to) => {
        if (endpoint === 'userinfo') metrics.recordCircuitState(to === 'half-open' ? 'half_open' : to);
      },
    });
  const makeClaimsAdmin = (config: Config, identity: IdentityComponents): ClaimsAdmin =>
    createClaimsAdmin({
      issuer: config.issuer,
      cache: identity.cache,
      breakers: () => ({ userinfo: identity.breakers.userinfo.status, introspection: identity.breakers.introspection.status }),
      logoutVerifier: () => gen.pipeline?.logoutVerifier,
    });

  // Derived once per configuration, not per decision.
  const bundleNames = new WeakMap<Config, string>();
  const bundleName = (config: Config): string => {
    let name = bundleNames.get(config);
    if (name === undefined) bundleNames.set(config, (name = bundleNameOf(config)));
    return name;
  };
  // One filter per configuration (its role claims), so its memo survives across requests.
  const subjectFilters = new WeakMap<Config, SubjectFilter>();
  const subjectFilter = (config: Config): SubjectFilter => {
    let f = subjectFilters.get(config);
    if (f === undefined) subjectFilters.set(config, (f = createSubjectFilter(parseRoleClaims(config.claims.roleClaims))));
    return f;
  };
  const makeDecisionLog = (config: Config): DecisionLogger =>
    createDecisionLogger({
      ...config.decisionLog,
      masking: config.decisionLog,
      http: config.decisionLog.http.url ? { ...config.decisionLog.http, url: config.decisionLog.http.url } : undefined,
      log,
    });
  const openDecisionLog = async (logger: DecisionLogger, config: Config): Promise<void> => {
    try {
      await logger.open();
    } catch (err) {
      throw new SidecarError('config_error', `cannot open the decision log '${config.decisionLog.target}': ${(err as Error).message}`, {
        cause: err,
        expose: true,
      });
    }
  };

  const deps: AuthorizerDeps = {
    verify: (token) => {
      if (!gen.pipeline) throw new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
      return gen.pipeline.verify(token);
    },
    enrich: (token, verified) => gen.pipeline!.enrich(token, verified),
    engine: () => gen.bundles.engine,
    filterSubject: (subject, engine) => subjectFilter(gen.config)(subject, engine),
    // Read at each decision, so a reload's new log, bundle and entrypoint take every event after the swap.
    log: { log: (event, maskPolicy) => gen.decisionLog.log(event, maskPolicy) },
    get bundleName() {
      return bundleName(gen.config);
    },
    get decisionPath() {
      return gen.config.policy.entrypoint;
    },
    observe: (event, traceparent) => {
      metrics.recordDecision(event.error ? 'error' : event.result.allow ? 'allow' : 'deny', event.error?.code, event.timings_us);
      const cache = event.claims.cache;
      if (cache === 'hit' || cache === 'miss' || cache === 'uncached' || cache === 'stale') metrics.recordClaimsCache(cache);
      tracer?.record(event, traceparent);
    },
  };
  const authorize = createAuthorizer(deps);
  const dataQuery = createDataQuery(deps);
  const makeApp = (config: Config, claimsAdmin: ClaimsAdmin): RequestListener => {
    const app = createApp({
      authorize,
      readiness: { notReadyReason, draining: () => draining },
      log,
      maxBodyBytes: config.http.maxBodyBytes,
      forwardAuthPath: config.http.forwardAuthPath,
      claims: {
        admin: claimsAdmin,
        issuer: config.issuer,
        adminToken: config.claims.admin.token,
        backchannelLogoutPath: config.claims.backchannelLogout.path,
      },
      dataQuery,
      status,
      decisionLogStatus: () => gen.decisionLog.stats,
      explain: config.http.explain,
      metrics: metricsSource,
    });
    if (!config.http.fastPath) return app;
    return createFastPath({
      authorize,
      readiness: { notReadyReason },
      log,
      maxBodyBytes: config.http.maxBodyBytes,
      forwardAuthPath: config.http.forwardAuthPath,
      fallback: app,
    });
  };

  /** Why decisions cannot be made yet; draining is not a reason: requests are served until the listener closes. */
  function notReadyReason(): string | undefined {
    const bundleReason = gen.bundles.notReadyReason();
    if (bundleReason !== undefined) return bundleReason;
    if (!gen.pipeline) return `issuer discovery has not succeeded yet (${gen.config.issuer})`;
    return undefined;
  }
  function checkReady(): void {
    if (notReadyReason() === undefined) resolveReady();
  }

  // The bundle loader's callbacks read `gen`; they first run in start(), after this assignment.
  const initialIdentity = makeIdentity(initial);
  const initialAdmin = makeClaimsAdmin(initial, initialIdentity);
  let gen: Generation = {
    config: initial,
    decisionLog: makeDecisionLog(initial),
    bundles: makeBundles(initial),
    identity: initialIdentity,
    claimsAdmin: initialAdmin,
    pipeline: undefined,
    app: makeApp(initial, initialAdmin),
  };
  metrics.trackDecisionLog(() => decisionLogCounts(gen.decisionLog));
  status.register('bundles', () => ({ [gen.bundles.name]: gen.bundles.status() }));
  status.register('decision_logs', () => gen.decisionLog.stats);

  // One reload at a time: each one plans against the configuration the previous one left.
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (next: Config): Promise<ReloadOutcome> => {
    const run = reloading.then(() => reloadNow(next));
    reloading = run;
    return run;
  };

  async function reloadNow(next: Config): Promise<ReloadOutcome> {
    const running = gen;
    const plan = planReload(running.config, next);
    const refuse = (error: string): ReloadOutcome => {
      metrics.recordConfigReload('failure');
      log.error('configuration reload refused; the running configuration stays', { detail: error });
      return { ok: false, error };
    };
    if (draining) return refuse('the sidecar is shutting down');
    if (plan.needRestart.length > 0) return refuse(`these keys change only with a restart: ${plan.needRestart.join(', ')}`);
    if (plan.changed.length === 0) {
      metrics.recordConfigReload('success');
      log.info('configuration reloaded; nothing changed');
      return { ok: true, changed: [] };
    }
    const changed = (prefix: string) => plan.changed.some((k) => k.startsWith(prefix));

    let decisionLog = running.decisionLog;
    if (changed('decisionLog.')) {
      decisionLog = makeDecisionLog(next);
      try {
        await openDecisionLog(decisionLog, next);
      } catch (err) {
        await decisionLog.close();
        return refuse((err as Error).message);
      }
    }
    let bundles = running.bundles;
    if (changed('policy.')) {
      bundles = makeBundles(next);
      await bundles.reload();
      const reason = bundles.notReadyReason();
      if (reason !== undefined) {
        bundles.close();
        if (decisionLog !== running.decisionLog) await decisionLog.close();
        return refuse(`the new policy bundle does not load: ${reason}`);
      }
    }
    // Roles in the cache were read with the old role claims and TTL: start a fresh cache, and
    // build the verifier and enricher from the new keys.
    const rebuildIdentity = changed('token.') || changed('audience') || changed('claims.');
    const identity = rebuildIdentity ? makeIdentity(next) : running.identity;
    const claimsAdmin = rebuildIdentity ? makeClaimsAdmin(next, identity) : running.claimsAdmin;
    const pipeline = rebuildIdentity ? (meta ? identity.build(meta) : undefined) : running.pipeline;
    const app = changed('http.') || rebuildIdentity ? makeApp(next, claimsAdmin) : running.app;
    if (draining) {
      if (bundles !== running.bundles) bundles.close();
      if (decisionLog !== running.decisionLog) await decisionLog.close();
      if (identity !== running.identity) identity.cache.close();
      await (pipeline !== running.pipeline ? pipeline?.close() : undefined);
      return refuse('the sidecar began shutting down');
    }

    gen = { config: next, decisionLog, bundles, identity, claimsAdmin, pipeline, app };
    (log as Partial<ProcessLogHandle>).setLevel?.(next.log.level as Level);
    if (bundles !== running.bundles) {
      running.bundles.close();
      bundles.start();
      metrics.recordBundleActivation(bundles.engine!.revision);
    }
    if (identity !== running.identity) {
      running.identity.cache.close();
      await running.pipeline?.close();
    }
    if (decisionLog !== running.decisionLog) {
      await running.decisionLog.close();
      const s = running.decisionLog.stats;
      retired = { written: retired.written + s.written, dropped: retired.dropped + s.dropped };
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
      await openDecisionLog(gen.decisionLog, config);
      server = await startServer((req, res) => gen.app(req, res), config, config.listen, {
        onRequestStart: () => metrics.recordRequestStart(),
        onRequestEnd: () => metrics.recordRequestEnd(),
      });
      log.info('listening', { url: server.url });
      if (config.diagnostics.listen && options.serveDiagnostics !== false) {
        diagnostics = await startServer(
          diagnosticsHandler({ notReadyReason: () => (draining ? 'shutting down' : notReadyReason()), metrics: metricsSource }),
          config,
          config.diagnostics.listen,
        );
        log.info('diagnostics listening', { url: diagnostics.url, paths: ['/health', '/ready', '/metrics'] });
      }
      gen.bundles.start();
      void discoverWithRetry(config.issuer, {
        ...config.discovery,
        signal: abort.signal,
        onRetry: (attempt, delayMs, err) => log.warn('issuer discovery failed; retrying', { attempt, delay_ms: delayMs, detail: err.message }),
      }).then(
        (found) => {
          meta = found;
          gen = { ...gen, pipeline: gen.identity.build(found) };
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
        await gen.pipeline?.close();
        const claimsStats = gen.identity.cache.stats;
        gen.identity.cache.close();
        await gen.decisionLog.close();
        const { logged, written, dropped } = gen.decisionLog.stats;
        log.info('stopped', {
          decisions: logged,
          decisions_logged: retired.written + written,
          decisions_dropped: retired.dropped + dropped,
          requests_cut: cut,
          claims_cache: claimsStats,
        });
      })();
      return stopping;
    },
  };
}

/** The decision log's counters for the metrics registry: drops keyed `<sink>/<reason>`. */
function decisionLogCounts(logger: DecisionLogger): DecisionLogCounts {
  const s = logger.stats;
  const dropped: Record<string, number> = { 'queue/buffer_full': s.drops.buffer_full };
  if (s.sinks.file) dropped['file/write_error'] = s.sinks.file.dropped.write_error;
  if (s.sinks.stdout) dropped['stdout/write_error'] = s.sinks.stdout.dropped.write_error;
  if (s.sinks.http) for (const [reason, n] of Object.entries(s.sinks.http.dropped)) dropped[`http/${reason}`] = n;
  return { logged: s.logged, written: s.written, buffered: s.buffered, dropped };
}

/** `bundles/authz.tar.gz` → `authz`: the bundle's name in decision events, as OPA names bundles. */
function bundleNameOf(config: Config): string {
  const location = config.policy.source === 'http' ? new URL(config.policy.server.url ?? 'http://x/authz').pathname : config.policy.bundle;
  return basename(location).replace(/\.tar\.gz$|\.tgz$/, '') || 'authz';
}
