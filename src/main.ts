import type { Config } from './config/config.ts';
import { SidecarError } from './errors/sidecar-error.ts';
import type { ProcessLog } from './lib/process-log.ts';
import { discoverWithRetry, type IssuerMetadata } from './token/discover-issuer.ts';
import { createClaimsAdmin } from './claims/claims-admin.ts';
import type { LogoutTokenVerifier } from './claims/verify-logout-token.ts';
import { createBundleLoader } from './policy/bundle-loader.ts';
import { createDecisionLogger } from './decision-log/decision-logger.ts';
import { createAuthorizer, type AuthorizerDeps } from './decision/authorize.ts';
import { createIdentityComponents, type IdentityPipeline } from './decision/identity-pipeline.ts';
import { createDataQuery } from './decision/query-data.ts';
import { createStatusRegistry } from './status/status-registry.ts';
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
  const identity = createIdentityComponents(config, log, now);
  const { cache, breakers } = identity;
  let logoutVerifier: LogoutTokenVerifier | undefined;
  const claimsAdmin = createClaimsAdmin({
    issuer: config.issuer,
    cache,
    breakers: () => ({ userinfo: breakers.userinfo.status, introspection: breakers.introspection.status }),
    logoutVerifier: () => logoutVerifier,
  });
  const bundleSource = config.policy.source === 'http' ? config.policy.server.url : config.policy.bundle;
  const bundles = createBundleLoader(config.policy, {
    onActivated: (revision, origin) => {
      log.info('policy bundle activated', { bundle: bundleSource, revision, origin });
      checkReady();
    },
    onRejected: (err, origin) =>
      log.error('policy bundle rejected; the active one stays', { bundle: bundleSource, origin, code: err.code, detail: err.message }),
    onPersistError: (err) => log.warn('could not persist the bundle', { dir: config.policy.persistDir, detail: err.message }),
  });
  const status = createStatusRegistry();
  status.register('bundles', () => ({ [bundles.name]: bundles.status() }));
  const abort = new AbortController();
  let pipeline: IdentityPipeline | undefined;
  let server: RunningServer | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  function notReadyReason(): string | undefined {
    const bundleReason = bundles.notReadyReason();
    if (bundleReason !== undefined) return bundleReason;
    if (!pipeline) return `issuer discovery has not succeeded yet (${config.issuer})`;
    return undefined;
  }
  function checkReady(): void {
    if (notReadyReason() === undefined) resolveReady();
  }

  const buildPipeline = (meta: IssuerMetadata): void => {
    pipeline = identity.build(meta);
    logoutVerifier = pipeline.logoutVerifier;
  };

  const deps: AuthorizerDeps = {
    verify: (token) => {
      if (!pipeline) throw new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
      return pipeline.verify(token);
    },
    enrich: (token, verified) => pipeline!.enrich(token, verified),
    engine: () => bundles.engine,
    log: decisionLog,
  };
  const authorize = createAuthorizer(deps);
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
    dataQuery: createDataQuery(deps),
    status,
    explain: config.http.explain,
  });

  return {
    async start() {
      server = await startServer(app, config);
      log.info('listening', { url: server.url });
      bundles.start();
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
      await pipeline?.close();
      const claimsStats = cache.stats;
      cache.close();
      await decisionLog.close();
      const { written, dropped } = decisionLog.stats;
      log.info('stopped', { decisions_logged: written, decisions_dropped: dropped, claims_cache: claimsStats });
    },
  };
}
