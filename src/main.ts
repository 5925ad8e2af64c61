import type { Config } from './config/config.ts';
import { SidecarError } from './errors/sidecar-error.ts';
import type { ProcessLog } from './lib/process-log.ts';
import { discoverWithRetry, type IssuerMetadata } from './token/discover-issuer.ts';
import { createRemoteKeys } from './token/remote-keys.ts';
import { createTokenVerifier, type TokenVerifier } from './token/verify-token.ts';
import { createClaimsCache } from './claims/claims-cache.ts';
import { createClaimsEnricher, type ClaimsEnricher } from './claims/enrich-claims.ts';
import { createUserinfoClient, type ClaimsClient } from './claims/userinfo-client.ts';
import { createCircuitBreaker } from './claims/circuit-breaker.ts';
import { createClaimsAdmin } from './claims/claims-admin.ts';
import { createClaimsFetcher, createClaimsSource } from './claims/fetch-claims.ts';
import { createIntrospectionClient } from './claims/introspection-client.ts';
import { parseRoleClaims } from './claims/role-claims.ts';
import { createIntrospectingVerifier } from './claims/verify-by-introspection.ts';
import { createLogoutTokenVerifier, type LogoutTokenVerifier } from './claims/verify-logout-token.ts';
import { createSignedUserinfoVerifier } from './claims/verify-signed-userinfo.ts';
import { createBundleLoader } from './policy/bundle-loader.ts';
import { createDecisionLogger } from './decision-log/decision-logger.ts';
import { createAuthorizer } from './decision/authorize.ts';
import { createApp } from './http/create-app.ts';
import { startServer, type RunningServer } from './http/start-server.ts';

export interface Sidecar {
  /** Listens and starts discovery and bundle loading; resolves once the socket is bound. */
  start(): Promise<{ url: string }>;
  /** Resolves when the bundle is active and the issuer discovered. */
  whenReady(): Promise<void>;
  /** Graceful: stop accepting, finish in-flight requests, flush the decision log. */
  stop(): Promise<void>;
}

export interface SidecarOptions {
  /** The clock of the claims cache and circuit breakers (tests move it instead of sleeping). */
  readonly now?: () => number;
}

/** Composition root: builds every component from the validated config and wires them. */
export function createSidecar(config: Config, log: ProcessLog, options: SidecarOptions = {}): Sidecar {
  const now = options.now ?? Date.now;
  const decisionLog = createDecisionLogger(config.decisionLog.target, config.decisionLog.bufferEvents);
  const claimsConfig = config.claims;
  const cache = createClaimsCache({
    maxEntries: claimsConfig.cacheMaxEntries,
    maxBytes: claimsConfig.cacheMaxBytes,
    staleIfErrorSeconds: claimsConfig.staleIfErrorSeconds,
    now,
  });
  const breaker = (name: string) =>
    createCircuitBreaker({
      name,
      ...claimsConfig.breaker,
      now,
      onStateChange: (endpoint, from, to) => log[to === 'open' ? 'warn' : 'info']('claims circuit breaker changed state', { endpoint, from, to }),
    });
  const breakers = { userinfo: breaker('userinfo'), introspection: breaker('introspection') };
  const roleClaims = parseRoleClaims(claimsConfig.roleClaims);
  const fetchClaims = createClaimsFetcher({ ...claimsConfig, cache, roleClaims, issuer: config.issuer, now });
  let logoutVerifier: LogoutTokenVerifier | undefined;
  const claimsAdmin = createClaimsAdmin({
    issuer: config.issuer,
    cache,
    breakers: () => ({ userinfo: breakers.userinfo.status, introspection: breakers.introspection.status }),
    logoutVerifier: () => logoutVerifier,
  });
  const bundles = createBundleLoader({
    path: config.policy.bundle,
    ...config.policy,
    onActivated: (revision) => {
      log.info('policy bundle activated', { bundle: config.policy.bundle, revision });
      checkReady();
    },
    onRejected: (err) => log.error('policy bundle rejected; the active one stays', { bundle: config.policy.bundle, code: err.code, detail: err.message }),
  });
  const abort = new AbortController();
  let pipeline: { verify: TokenVerifier; enrich: ClaimsEnricher; clients: (ClaimsClient | undefined)[] } | undefined;
  let server: RunningServer | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  function notReadyReason(): string | undefined {
    if (!bundles.engine) return `no policy bundle is active (${bundles.status.lastError?.message ?? 'loading'})`;
    if (!pipeline) return `issuer discovery has not succeeded yet (${config.issuer})`;
    return undefined;
  }
  function checkReady(): void {
    if (notReadyReason() === undefined) resolveReady();
  }

  const buildPipeline = (meta: IssuerMetadata): void => {
    const keys = createRemoteKeys({
      jwksUri: meta.jwksUri,
      ...config.jwks,
      onRefused: (kid, reason) => log.warn('refused a key from the JWKS', { kid, reason }),
    });
    const verifyJwt = createTokenVerifier({ ...config.token, issuer: config.issuer, audience: config.audience, keys });
    const { clientId, clientSecret } = claimsConfig;
    const verifySigned = clientId
      ? createSignedUserinfoVerifier({
          issuer: config.issuer,
          clientId,
          keys,
          algorithms: config.token.algorithms,
          maxBytes: claimsConfig.userinfo.maxResponseBytes,
          clockToleranceSeconds: config.token.clockToleranceSeconds,
        })
      : undefined;
    const userinfo = meta.userinfoEndpoint ? createUserinfoClient({ endpoint: meta.userinfoEndpoint, ...claimsConfig.userinfo, verifySigned }) : undefined;
    const introspects = claimsConfig.sources.includes('introspection') || claimsConfig.introspection.verifyTokens;
    const introspection =
      introspects && meta.introspectionEndpoint && clientId && clientSecret
        ? createIntrospectionClient({ endpoint: meta.introspectionEndpoint, clientId, clientSecret, ...claimsConfig.userinfo })
        : undefined;
    if (introspects && !introspection) log.warn('introspection is configured but the issuer publishes no introspection_endpoint', { issuer: config.issuer });
    const sources = {
      userinfo: createClaimsSource('userinfo', userinfo, breakers.userinfo),
      introspection: createClaimsSource('introspection', introspection, breakers.introspection),
    };
    const verify = claimsConfig.introspection.verifyTokens
      ? createIntrospectingVerifier({
          verifyJwt,
          fetch: fetchClaims,
          introspection: sources.introspection,
          issuer: config.issuer,
          audience: config.audience,
          clockToleranceSeconds: config.token.clockToleranceSeconds,
          maxBytes: config.token.maxBytes,
          now,
        })
      : verifyJwt;
    const enrich = createClaimsEnricher({
      ...claimsConfig,
      roleClaims,
      sources: claimsConfig.sources.map((name) => sources[name]),
      fetch: fetchClaims,
      cache,
    });
    if (clientId && claimsConfig.backchannelLogout.path) {
      logoutVerifier = createLogoutTokenVerifier({
        issuer: config.issuer,
        clientId,
        keys,
        algorithms: config.token.algorithms,
        clockToleranceSeconds: config.token.clockToleranceSeconds,
        now,
      });
    }
    pipeline = { verify, enrich, clients: [userinfo, introspection] };
  };

  const authorize = createAuthorizer({
    verify: (token) => {
      if (!pipeline) throw new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
      return pipeline.verify(token);
    },
    enrich: (token, verified) => pipeline!.enrich(token, verified),
    engine: () => bundles.engine,
    log: decisionLog,
  });
  const app = createApp({
    authorize,
    readiness: { notReadyReason },
    log,
    maxBodyBytes: config.http.maxBodyBytes,
    forwardAuthPath: config.http.forwardAuthPath,
    claims: {
      admin: claimsAdmin,
      issuer: config.issuer,
      adminToken: claimsConfig.admin.token,
      backchannelLogoutPath: claimsConfig.backchannelLogout.path,
    },
  });

  return {
    async start() {
      server = await startServer(app, config);
      log.info('listening', { url: server.url });
      void bundles.reload();
      if (config.policy.watch) bundles.watch();
      void discoverWithRetry(config.issuer, {
        ...config.discovery,
        signal: abort.signal,
        onRetry: (attempt, delayMs, err) => log.warn('issuer discovery failed; retrying', { attempt, delay_ms: delayMs, detail: err.message }),
      }).then(
        (meta) => {
          buildPipeline(meta);
          log.info('issuer discovered', { issuer: meta.issuer, jwks_uri: meta.jwksUri, userinfo_endpoint: meta.userinfoEndpoint });
          checkReady();
        },
        () => undefined,
      );
      return { url: server.url };
    },
    whenReady: () => ready,
    async stop() {
      abort.abort();
      bundles.close();
      await server?.close();
      await Promise.all((pipeline?.clients ?? []).map((c) => c?.close()));
      const claimsStats = cache.stats;
      cache.close();
      await decisionLog.close();
      const { written, dropped } = decisionLog.stats;
      log.info('stopped', { decisions_logged: written, decisions_dropped: dropped, claims_cache: claimsStats });
    },
  };
}
