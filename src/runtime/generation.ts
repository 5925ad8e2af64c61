import type { RequestListener } from 'node:http';
import { createAuthzenPdp } from '../authzen/create-pdp.ts';
import { createDecisionLogger, type DecisionLogger } from '../decision-log/decision-logger.ts';
import { createAuthorizer, type AuthorizerDeps } from '../decision/authorize.ts';
import { createIdentity, type Identity } from '../decision/identity.ts';
import { createDataQuery } from '../decision/query-data.ts';
import { createSubjectFilter } from '../decision/relevant-roles.ts';
import { createHandler } from '../http/create-handler.ts';
import type { HttpApi } from '../http/http-api.ts';
import type { Component } from '../lib/component.ts';
import { createInFlight } from '../lib/in-flight.ts';
import { createBundleLoader, type BundleLoader } from '../policy/bundle-loader.ts';
import { createSharedClaimsTier, type SharedClaimsTier } from '../claims/shared/shared-tier.ts';
import { createTokenService, type TokenService } from '../tokens/token-service.ts';
import { healthOf, statusReportOf, whyNotReady } from './health.ts';
import { identityHooks, observeDecisions, tokenHooks, type Services } from './services.ts';
import type { Settings } from './settings.ts';

/**
 * One configuration's worth of the sidecar: its components and the request pipeline built from
 * them, as one object. The HTTP layer reads the generation in service once per request and then
 * only calls down into it; a reload builds the next generation completely and swaps one
 * reference (runtime.ts), so no request ever sees half of each.
 */
export interface Generation extends HttpApi {
  readonly settings: Settings;
  readonly decisionLog: DecisionLogger;
  readonly bundles: BundleLoader;
  readonly identity: Identity;
  /** The fleet's shared claims tier (`claims.shared.url`), undefined when off. */
  readonly claimsShared: SharedClaimsTier | undefined;
  /** Outbound tokens (`tokens.clientId`), or undefined. */
  readonly tokens: TokenService | undefined;
  /** This generation's components, in start order: the decision log first (it records the first decision), the identity last. */
  readonly components: readonly Component[];
  /** The API's request listener for this generation (create-handler.ts). */
  readonly handler: RequestListener;
  /** Called when the generation goes into service: from now on its bundle activations are the sidecar's. */
  goLive(): void;
  /** Counts a request in (HTTP or gRPC) until the returned function is called: see drained(). */
  enter(): () => void;
  /** True once every request that entered has left, false after `timeoutMs` (src/lib/in-flight.ts). */
  drained(timeoutMs: number): Promise<boolean>;
}

export interface BuildOptions {
  /** The generation in service, whose components are kept where their configuration section did not change. */
  readonly previous?: Generation;
  /** The config keys that changed since `previous` (src/runtime/plan-reload.ts). */
  readonly changed?: readonly string[];
  /** Components that live as long as the process (listeners, discovery): probed with the generation's own. */
  readonly shared: () => readonly Component[];
}

/** Builds a generation; components whose section is unchanged are taken over from the previous one, not rebuilt. */
export function buildGeneration(settings: Settings, services: Services, options: BuildOptions): Generation {
  const { config } = settings;
  const { previous, changed = [] } = options;
  const keep = (...prefixes: string[]): boolean => previous !== undefined && !changed.some((k) => prefixes.some((p) => k === p || k.startsWith(`${p}.`)));

  const decisionLog = keep('decisionLog')
    ? previous!.decisionLog
    : createDecisionLogger({
        ...config.decisionLog,
        masking: settings.decisionLog.masking,
        http: config.decisionLog.http.url ? { ...config.decisionLog.http, url: config.decisionLog.http.url } : undefined,
        log: services.log,
        ...(services.fileSink ? { fileSink: services.fileSink } : {}),
      });
  let live = false;
  const ownBundles = !keep('policy');
  const bundles = ownBundles ? newBundles(settings, services, () => live) : previous!.bundles;
  // Roles in the cache were read with the old role claims and TTL: a change starts a fresh cache, and the verifier is rebuilt from the new keys.
  const keepIdentity = keep('token', 'audience', 'claims');
  // Built with the identity (which subscribes its local tier to the shared tier's evictions) and kept with it.
  const claimsShared = keepIdentity ? previous!.claimsShared : newSharedTier(settings, services);
  const identity = keepIdentity
    ? previous!.identity
    : createIdentity({ config, claims: settings.claims, issuer: services.discovery, log: services.log, now: services.now, hooks: identityHooks(services), shared: claimsShared });
  // The token service exchanges only what this identity verifies, so it is rebuilt with it (its cache starts empty then).
  const tokens =
    keepIdentity && keep('tokens') && previous!.tokens
      ? previous!.tokens
      : settings.tokens && createTokenService({ settings: settings.tokens, issuer: services.discovery, verify: identity.verify, now: services.now, hooks: tokenHooks(services) });

  const deps: AuthorizerDeps = {
    verify: identity.verify,
    enrich: identity.enrich,
    engine: () => bundles.engine,
    filterSubject: createSubjectFilter(settings.claims.roleClaims),
    log: decisionLog,
    bundleName: settings.policy.bundleName,
    decisionPath: config.policy.entrypoint,
    observe: observeDecisions(services),
  };
  const components: readonly Component[] = [decisionLog, bundles, ...(claimsShared ? [claimsShared] : []), identity, ...(tokens ? [tokens] : [])];
  const inFlight = createInFlight();
  const all = (): readonly Component[] => [...options.shared().filter((c) => c !== services.discovery), ...components, services.discovery];
  const generation: Omit<Generation, 'handler'> = {
    settings,
    config,
    decisionLog,
    bundles,
    identity,
    claimsShared,
    tokens,
    components,
    authorize: createAuthorizer(deps),
    queryData: createDataQuery(deps),
    claimsAdmin: identity.admin,
    authzen: createAuthzenPdp({ ...deps, settings: settings.authzen, cachedSubject: identity.cachedSubject, subjectClaims: identity.subjectClaims }),
    log: services.log,
    metrics: services.metricsSource,
    whyCannotDecide: () => whyNotReady(components),
    whyNotReady: () => whyNotReady(all()),
    health: (query) => healthOf(all(), bundles, query),
    status: () => statusReportOf(all()),
    decisionLogStatus: () => decisionLog.stats,
    enter: () => inFlight.enter(),
    drained: (timeoutMs) => inFlight.drained(timeoutMs),
    goLive() {
      if (live) return;
      live = true;
      if (ownBundles && bundles.engine) services.metrics.recordBundleActivation(bundles.engine.revision);
    },
  };
  return Object.assign(generation, { handler: createHandler(generation as Generation) });
}

/** A bundle loader whose activations count as the sidecar's once its generation is live; before that it is a reload candidate. */
function newBundles(settings: Settings, services: Services, isLive: () => boolean): BundleLoader {
  const { log, metrics } = services;
  const policy = settings.config.policy;
  const location = policy.source === 'http' ? policy.server.url : policy.bundle;
  return createBundleLoader(policy, settings.policy.bundleName, {
    onActivated: (revision, origin) => {
      metrics.recordBundleLoad('success');
      if (!isLive()) return; // recorded when the generation goes live
      metrics.recordBundleActivation(revision);
      log.info('policy bundle activated', { bundle: location, revision, origin });
    },
    onRejected: (err, origin) => {
      metrics.recordBundleLoad('failure');
      if (!isLive()) return;
      log.error('policy bundle rejected; the active one stays', { bundle: location, origin, code: err.code, detail: err.message });
    },
    onDownload: (outcome) => metrics.recordBundleDownload(outcome),
    onPersistError: (err) => log.warn('could not persist the bundle', { dir: policy.persistDir, detail: err.message }),
  });
}

/** The `claims_shared` component, or undefined when `claims.shared.url` is unset. */
function newSharedTier(settings: Settings, services: Services): SharedClaimsTier | undefined {
  const shared = settings.claims.shared;
  if (shared === undefined) return undefined;
  return createSharedClaimsTier({ settings: shared, log: services.log, now: services.now, onOutcome: (o) => services.metrics.recordClaimsShared(o) });
}
