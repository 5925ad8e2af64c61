import type { DecisionEventDraft } from '../decision-log/decision-event.ts';
import type { FileSinkFactory } from '../decision-log/file-sink-options.ts';
import type { IdentityHooks } from '../decision/identity.ts';
import type { MetricsSource } from '../http/http-api.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { instrumentUserinfo } from '../metrics/instrument-userinfo.ts';
import type { SidecarMetrics } from '../metrics/sidecar-metrics.ts';
import type { DecisionTracer } from '../tracing/decision-tracer.ts';
import type { IssuerDiscovery } from '../token/issuer-discovery.ts';
import type { TokenHooks } from '../tokens/token-service.ts';

/** What lives as long as the process and every generation shares: logging, metrics, tracing, discovery. */
export interface Services {
  readonly log: ProcessLog;
  readonly metrics: SidecarMetrics;
  /** What `GET /metrics` answers; in cluster mode the workers' sum, from the primary. */
  readonly metricsSource: MetricsSource;
  readonly tracer: DecisionTracer | undefined;
  readonly discovery: IssuerDiscovery;
  /** The clock of the claims cache and circuit breakers (tests move it instead of sleeping). */
  readonly now: () => number;
  /** Builds the decision log's file sink; set in a cluster worker (a relay to the primary). */
  readonly fileSink?: FileSinkFactory;
}

/** Sees every logged decision: metrics and the decision span. Cheap, and never throws into a decision (record-decision.ts). */
export function observeDecisions(services: Services): (event: DecisionEventDraft, traceparent: string | string[] | undefined) => void {
  const { metrics, tracer } = services;
  return (event, traceparent) => {
    metrics.recordDecision(event.error ? 'error' : event.result.allow ? 'allow' : 'deny', event.error?.code, event.timings_us);
    const cache = event.claims.cache;
    if (cache === 'hit' || cache === 'miss' || cache === 'uncached' || cache === 'stale' || cache === 'shared') metrics.recordClaimsCache(cache);
    tracer?.record(event, traceparent);
  };
}

/** The identity component's observation points, recorded as metrics. */
export function identityHooks(services: Services): IdentityHooks {
  const { metrics } = services;
  return {
    wrapUserinfo: (client) => instrumentUserinfo(client, metrics),
    onJwksFetch: (ok) => metrics.recordJwksFetch(ok),
    onBudgetRefused: (endpoint) => metrics.recordIdpBudgetRefused(endpoint),
    onBreakerState: (endpoint, to) => {
      if (endpoint === 'userinfo') metrics.recordCircuitState(to === 'half-open' ? 'half_open' : to);
    },
  };
}

/** The token service's observation points, recorded as metrics; a failed background refresh is logged (never the token). */
export function tokenHooks(services: Services): TokenHooks {
  const { metrics, log } = services;
  return {
    onRequest: (grant, outcome) => metrics.recordTokenRequest(grant, outcome),
    onCacheHit: (grant) => metrics.recordTokenCacheHit(grant),
    onRefresh: (grant) => metrics.recordTokenRefresh(grant),
    onIdpError: (grant, code) => metrics.recordTokenIdpError(grant, code),
    onRefreshFailed: (err) => log.warn('refreshing a service token failed; the cached one is served until it lapses', { detail: (err as Error).message }),
  };
}
