import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { fixedLabelCounter, fixedLabelHistogram } from './fixed-label-metrics.ts';
import { statusOf, type ErrorCode } from '../errors/sidecar-error.ts';

/** Outcome of one decision: `error` is every decision that ended in an error answer (also a deny). */
export type DecisionResult = 'allow' | 'deny' | 'error';
export type Stage = 'verify' | 'claims' | 'policy' | 'total';
/** `stale`: claims served past their TTL because the IdP failed (stale-if-error). */
export type ClaimsCacheOutcome = 'hit' | 'miss' | 'uncached' | 'stale' | 'shared';
/** What the shared claims tier (src/claims/shared/redis-guard.ts SharedOutcome) counts. */
export type ClaimsSharedOutcome = 'hit' | 'miss' | 'stale' | 'refusal' | 'forged' | 'waited' | 'timeout' | 'error' | 'breaker_open' | 'evict_sent' | 'evict_received';
export type CircuitState = 'closed' | 'open' | 'half_open';
export type LoadResult = 'success' | 'failure';
/** One request to the bundle server (src/policy/http-bundle-source.ts BundleDownloadOutcome). */
export type BundleDownloadOutcome = 'downloaded' | 'not_modified' | 'failure';
/** The grants of outbound tokens (src/tokens/). */
export type TokenGrant = 'client_credentials' | 'token_exchange';

/**
 * What the decision log reports. `dropped` is keyed `<sink>/<reason>` (`queue/buffer_full`,
 * `http/retry_exhausted`, ...: a fixed, small set owned by src/decision-log).
 */
export interface DecisionLogCounts {
  /** Events handed to the log (one per decision). */
  readonly logged?: number;
  readonly written: number;
  readonly buffered: number;
  readonly dropped: Readonly<Record<string, number>>;
}

/**
 * Every metric the sidecar exports, with one small recording function each. Names follow the
 * Prometheus conventions (base units, `_total` counters, `_seconds`, `_info`) and are listed in
 * docs/metrics.md, which a test keeps in step with this file. Label values come only from
 * closed sets (results, stages, error codes, reasons): never a subject, path or token.
 */
export interface SidecarMetrics {
  readonly registry: Registry;
  /** One decision with its stage timings in microseconds (the decision log's `timings_us`). */
  recordDecision(result: DecisionResult, errorCode: string | undefined, timingsUs: Readonly<Record<Stage, number>>): void;
  recordClaimsCache(outcome: ClaimsCacheOutcome): void;
  /** One outcome of the shared claims tier (a read, a wait, a failure, an eviction). */
  recordClaimsShared(outcome: ClaimsSharedOutcome): void;
  /** An IdP call the budget (claims.budget.*) did not let through. */
  recordIdpBudgetRefused(endpoint: string): void;
  recordUserinfoRequest(seconds: number, errorCode: string | undefined): void;
  recordCircuitState(state: CircuitState): void;
  recordJwksFetch(ok: boolean): void;
  recordBundleLoad(result: LoadResult): void;
  /** One request to the bundle server: a new bundle, 304, or a failure (unreachable, timeout, not 200, too large). */
  recordBundleDownload(outcome: BundleDownloadOutcome): void;
  /** The revision now in service; the previous revision's series is removed (one series at a time). */
  recordBundleActivation(revision: string, at?: Date): void;
  /** Where decision-log counts are read at scrape time; a new source (after a reload) continues the totals. */
  trackDecisionLog(read: () => DecisionLogCounts): void;
  /** Counts read at scrape time from the process log (lines it had to drop). */
  trackProcessLogDrops(read: () => number): void;
  recordConfigReload(result: LoadResult, at?: Date): void;
  recordRequestStart(): void;
  recordRequestEnd(): void;
  /** One answered `POST /v1/tokens/*`: outcome `ok` or the stable error code it ended with. */
  recordTokenRequest(grant: TokenGrant, outcome: string): void;
  recordTokenCacheHit(grant: TokenGrant): void;
  /** A cached token's refresh ahead of its expiry began. */
  recordTokenRefresh(grant: TokenGrant): void;
  /** A token endpoint call that failed: `token_refused` (the IdP said no) or `token_unavailable`. */
  recordTokenIdpError(grant: TokenGrant, code: string): void;
  /** Requests still running when the shutdown timeout cut their connections. */
  recordRequestsCut(count: number): void;
  /** The text exposition of every metric (prom-client's format). */
  scrape(): Promise<string>;
  readonly contentType: string;
}

/**
 * GC pause buckets (prom-client's default is 1 ms, 10 ms, 100 ms, 1 s, 2 s, 5 s): finer around the 5–50 ms a
 * sidecar's answers can afford, so "pauses over 20 ms" can be read from the histogram (bench/src/lib/loop-delay.ts).
 */
const GC_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5];

/** Latency buckets from 50 µs (a cached decision) to 5 s (a userinfo call at its timeout). */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Creates a registry of its own (not prom-client's global one, so several sidecars in one
 * process do not collide) with the Node process metrics (`process_*`, `nodejs_*`, including
 * event-loop lag percentiles from perf_hooks.monitorEventLoopDelay, reset at each scrape).
 *
 * @example
 * const metrics = createMetrics();
 * metrics.recordDecision('allow', undefined, { verify: 120, claims: 3, policy: 5, total: 140 });
 * const text = await metrics.scrape();
 *
 * One function on purpose (longer than 80 lines): it declares every metric of the registry in one place, each with its recording function.
 */
export function createMetrics(): SidecarMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, gcDurationBuckets: GC_BUCKETS });
  const registers = [registry];

  // The three metrics touched by every decision use fixed label sets (see fixed-label-metrics.ts).
  const decisions = fixedLabelCounter({
    name: 'authz_decisions_total',
    help: 'Decisions made, by result (error answers are denies too).',
    labelName: 'result',
    labelValues: ['allow', 'deny', 'error'] as const,
    registry,
  });
  const decisionErrors = new Counter({ name: 'authz_decision_errors_total', help: 'Decisions that ended in an error answer, by stable error code.', labelNames: ['code'], registers });
  const stage = fixedLabelHistogram({
    name: 'authz_decision_stage_duration_seconds',
    help: 'Time spent per decision stage: verify (token), claims (userinfo or cache), policy (Wasm evaluation), total.',
    labelName: 'stage',
    labelValues: ['verify', 'claims', 'policy', 'total'] as const,
    buckets: LATENCY_BUCKETS,
    registry,
  });
  const cache = fixedLabelCounter({
    name: 'authz_claims_cache_lookups_total',
    help: 'Claims cache lookups by outcome: hit, miss, uncached (fetched, not cached), stale (served past TTL because the IdP failed), shared (a local miss answered by the shared tier).',
    labelName: 'outcome',
    labelValues: ['hit', 'miss', 'uncached', 'stale', 'shared'] as const,
    registry,
  });
  const shared = fixedLabelCounter({
    name: 'authz_claims_shared_total',
    help: 'Outcomes of the shared claims tier (Redis): hit, miss, stale, refusal, forged (an entry that did not authenticate, refused), waited (another replica fetched), timeout, error, breaker_open, evict_sent, evict_received.',
    labelName: 'outcome',
    labelValues: ['hit', 'miss', 'stale', 'refusal', 'forged', 'waited', 'timeout', 'error', 'breaker_open', 'evict_sent', 'evict_received'] as const,
    registry,
  });
  const budgetRefused = new Counter({ name: 'authz_idp_budget_refusals_total', help: 'IdP calls not made because the IdP call budget (claims.budget.*) or an IdP 429 Retry-After did not allow them, by endpoint.', labelNames: ['endpoint'], registers });
  const userinfoRequests = new Counter({ name: 'authz_userinfo_requests_total', help: 'Calls to the OIDC userinfo endpoint.', registers });
  const userinfoErrors = new Counter({ name: 'authz_userinfo_errors_total', help: 'Failed userinfo calls, by stable error code.', labelNames: ['code'], registers });
  // Every series exists from the start at 0: Prometheus's rate() and increase() need two samples, so a
  // series born with its first error would hide that error from the alerts (deploy/prometheus/).
  for (const code of Object.keys(statusOf) as ErrorCode[]) decisionErrors.inc({ code }, 0);
  for (const code of ['claims_unavailable', 'claims_rejected'] as const) userinfoErrors.inc({ code }, 0);
  const userinfoSeconds = new Histogram({ name: 'authz_userinfo_request_duration_seconds', help: 'Duration of userinfo calls, failures included.', buckets: LATENCY_BUCKETS, registers });
  const circuit = new Gauge({ name: 'authz_userinfo_circuit_state', help: 'Circuit breaker around userinfo: 1 for the current state (closed, open, half_open), 0 otherwise. Summed over workers.', labelNames: ['state'], registers });
  const jwksFetches = new Counter({ name: 'authz_jwks_fetches_total', help: 'Fetches of the issuer JWKS.', registers });
  const jwksErrors = new Counter({ name: 'authz_jwks_fetch_errors_total', help: 'JWKS fetches that failed (network, timeout, status, size).', registers });
  const bundleLoads = new Counter({ name: 'authz_bundle_loads_total', help: 'Policy bundle loads, by result; a failed load keeps the active bundle.', labelNames: ['result'], registers });
  // A bundle server that is down refuses no bundle, so authz_bundle_loads_total does not move: this one does.
  const bundleDownloads = fixedLabelCounter({
    name: 'authz_bundle_downloads_total',
    help: 'Requests to the bundle server (policy.source http), by outcome: downloaded (200), not_modified (304), failure (unreachable, timeout, another status, over policy.server.maxBytes). A downloaded bundle that is refused counts here as downloaded and in authz_bundle_loads_total as a failure.',
    labelName: 'outcome',
    labelValues: ['downloaded', 'not_modified', 'failure'] as const,
    registry,
  });
  const bundleInfo = new Gauge({ name: 'authz_bundle_info', help: 'The active policy bundle revision (value 1; summed over workers: how many serve it).', labelNames: ['revision'], registers });
  const bundleActivated = new Gauge({ name: 'authz_bundle_last_activation_timestamp_seconds', help: 'Unix time the active bundle was activated.', registers, aggregator: 'max' });
  const configReloads = new Counter({ name: 'authz_config_reloads_total', help: 'Configuration reloads (SIGHUP), by result; a failed reload keeps the running configuration.', labelNames: ['result'], registers });
  for (const result of ['success', 'failure'] as const) {
    bundleLoads.inc({ result }, 0);
    configReloads.inc({ result }, 0);
  }
  const configReloaded = new Gauge({ name: 'authz_config_last_reload_success_timestamp_seconds', help: 'Unix time of the last successful configuration reload (0: never reloaded).', registers, aggregator: 'max' });
  const inFlight = new Gauge({ name: 'authz_http_requests_in_flight', help: 'HTTP requests being served.', registers });
  const tokenRequests = new Counter({ name: 'authz_token_requests_total', help: 'Outbound token requests answered (POST /v1/tokens/*), by grant and outcome (ok or the stable error code).', labelNames: ['grant', 'outcome'], registers });
  const tokenHits = new Counter({ name: 'authz_token_cache_hits_total', help: 'Outbound token requests answered from the token cache, by grant.', labelNames: ['grant'], registers });
  const tokenRefreshes = new Counter({ name: 'authz_token_refreshes_total', help: 'Cached outbound tokens refreshed ahead of their expiry, by grant.', labelNames: ['grant'], registers });
  const tokenIdpErrors = new Counter({ name: 'authz_token_idp_errors_total', help: 'Failed calls to the token endpoint, by grant and code (token_refused, token_unavailable).', labelNames: ['grant', 'code'], registers });
  const cut = new Counter({ name: 'authz_http_requests_cut_total', help: 'Requests whose connection was closed by the shutdown timeout before they were answered.', registers });

  let logRead: (() => DecisionLogCounts) | undefined;
  let logSeen: DecisionLogCounts = { written: 0, buffered: 0, dropped: {} };
  const syncLog = (): void => {
    const now = logRead?.();
    if (!now) return;
    if (now.written > logSeen.written) logWritten.inc(now.written - logSeen.written);
    if ((now.logged ?? 0) > (logSeen.logged ?? 0)) logEvents.inc((now.logged ?? 0) - (logSeen.logged ?? 0));
    for (const [key, n] of Object.entries(now.dropped)) {
      const before = logSeen.dropped[key] ?? 0;
      const slash = key.indexOf('/');
      const labels = slash === -1 ? { sink: 'log', reason: key } : { sink: key.slice(0, slash), reason: key.slice(slash + 1) };
      // Every known series is exported, also at 0, so an alert on increase() sees it from the start.
      if (n > before) logDropped.inc(labels, n - before);
      else logDropped.inc(labels, 0);
    }
    logBuffered.set(now.buffered);
    logSeen = { ...now, dropped: { ...now.dropped } };
  };
  const logWritten = new Counter({ name: 'authz_decision_log_written_total', help: 'Decision log events handed to the sink.', registers, collect: syncLog });
  const logEvents = new Counter({ name: 'authz_decision_log_events_total', help: 'Decisions handed to the decision log.', registers });
  const logDropped = new Counter({ name: 'authz_decision_log_dropped_total', help: 'Decision log events dropped, by sink and reason.', labelNames: ['sink', 'reason'], registers });
  const logBuffered = new Gauge({ name: 'authz_decision_log_buffered_events', help: 'Decision log events queued in memory, not yet written.', registers });

  let processLogRead: (() => number) | undefined;
  let processLogSeen = 0;
  new Counter({
    name: 'authz_process_log_dropped_total',
    help: 'Process log lines dropped because stderr could not keep up.',
    registers,
    collect() {
      const n = processLogRead?.() ?? 0;
      if (n > processLogSeen) this.inc(n - processLogSeen);
      processLogSeen = n;
    },
  });

  let revisionShown: string | undefined;

  return {
    registry,
    recordDecision(result, errorCode, t) {
      decisions[result].inc();
      if (errorCode !== undefined) decisionErrors.inc({ code: errorCode });
      stage.verify.observe(t.verify / 1e6);
      stage.claims.observe(t.claims / 1e6);
      stage.policy.observe(t.policy / 1e6);
      stage.total.observe(t.total / 1e6);
    },
    recordClaimsCache(outcome) {
      cache[outcome].inc();
    },
    recordClaimsShared(outcome) {
      shared[outcome].inc();
    },
    recordIdpBudgetRefused(endpoint) {
      budgetRefused.inc({ endpoint: endpoint === 'userinfo' || endpoint === 'introspection' ? endpoint : 'other' });
    },
    recordUserinfoRequest(seconds, errorCode) {
      userinfoRequests.inc();
      userinfoSeconds.observe(seconds);
      if (errorCode !== undefined) userinfoErrors.inc({ code: errorCode });
    },
    recordCircuitState(state) {
      for (const s of ['closed', 'open', 'half_open'] as const) circuit.set({ state: s }, s === state ? 1 : 0);
    },
    recordJwksFetch(ok) {
      jwksFetches.inc();
      if (!ok) jwksErrors.inc();
    },
    recordBundleLoad(result) {
      bundleLoads.inc({ result });
    },
    recordBundleDownload(outcome) {
      bundleDownloads[outcome].inc();
    },
    recordBundleActivation(revision, at = new Date()) {
      if (revisionShown !== undefined && revisionShown !== revision) bundleInfo.remove({ revision: revisionShown });
      revisionShown = revision;
      bundleInfo.set({ revision }, 1);
      bundleActivated.set(at.getTime() / 1000);
    },
    trackDecisionLog(read) {
      syncLog();
      logRead = read;
      logSeen = { written: 0, buffered: 0, dropped: {} };
    },
    trackProcessLogDrops(read) {
      processLogRead = read;
      processLogSeen = 0;
    },
    recordConfigReload(result, at = new Date()) {
      configReloads.inc({ result });
      if (result === 'success') configReloaded.set(at.getTime() / 1000);
    },
    recordRequestStart() {
      inFlight.inc();
    },
    recordRequestEnd() {
      inFlight.dec();
    },
    recordTokenRequest(grant, outcome) {
      tokenRequests.inc({ grant, outcome });
    },
    recordTokenCacheHit(grant) {
      tokenHits.inc({ grant });
    },
    recordTokenRefresh(grant) {
      tokenRefreshes.inc({ grant });
    },
    recordTokenIdpError(grant, code) {
      tokenIdpErrors.inc({ grant, code });
    },
    recordRequestsCut(count) {
      if (count > 0) cut.inc(count);
    },
    scrape: () => registry.metrics(),
    get contentType() {
      return registry.contentType;
    },
  };
}
