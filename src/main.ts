import { basename } from 'node:path';
import type { Config } from './config/config.ts';
import { SidecarError } from './errors/sidecar-error.ts';
import type { ProcessLog } from './lib/process-log.ts';
import { discoverWithRetry, type IssuerMetadata } from './token/discover-issuer.ts';
import { createRemoteKeys } from './token/remote-keys.ts';
import { createTokenVerifier, type TokenVerifier } from './token/verify-token.ts';
import { createClaimsCache } from './claims/claims-cache.ts';
import { createClaimsEnricher, type ClaimsEnricher } from './claims/enrich-claims.ts';
import { createUserinfoClient, type UserinfoClient } from './claims/userinfo-client.ts';
import { createBundleLoader } from './policy/bundle-loader.ts';
import { createDecisionLogger } from './decision-log/decision-logger.ts';
import { renderDecisionLogMetrics } from './decision-log/render-metrics.ts';
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

/** Composition root: builds every component from the validated config and wires them. */
export function createSidecar(config: Config, log: ProcessLog): Sidecar {
  const decisionLog = createDecisionLogger({
    ...config.decisionLog,
    masking: config.decisionLog,
    http: config.decisionLog.http.url ? { ...config.decisionLog.http, url: config.decisionLog.http.url } : undefined,
    log,
  });
  const cache = createClaimsCache(config.claims.cacheMaxEntries);
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
  let pipeline: { verify: TokenVerifier; enrich: ClaimsEnricher; userinfo: UserinfoClient | undefined } | undefined;
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
    const verify = createTokenVerifier({ ...config.token, issuer: config.issuer, audience: config.audience, keys });
    const userinfo = meta.userinfoEndpoint ? createUserinfoClient({ endpoint: meta.userinfoEndpoint, ...config.claims.userinfo }) : undefined;
    const enrich = createClaimsEnricher({ ...config.claims, userinfo, cache });
    pipeline = { verify, enrich, userinfo };
  };

  const authorize = createAuthorizer({
    verify: (token) => {
      if (!pipeline) throw new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
      return pipeline.verify(token);
    },
    enrich: (token, verified) => pipeline!.enrich(token, verified),
    engine: () => bundles.engine,
    log: decisionLog,
    bundleName: bundleNameOf(config.policy.bundle),
    decisionPath: config.policy.entrypoint,
  });
  const app = createApp({
    authorize,
    readiness: { notReadyReason },
    log,
    maxBodyBytes: config.http.maxBodyBytes,
    forwardAuthPath: config.http.forwardAuthPath,
    decisionLogStatus: () => decisionLog.stats,
    metrics: () => renderDecisionLogMetrics(decisionLog.stats),
  });

  return {
    async start() {
      try {
        await decisionLog.open();
      } catch (err) {
        throw new SidecarError('config_error', `cannot open the decision log '${config.decisionLog.target}': ${(err as Error).message}`, { cause: err, expose: true });
      }
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
      await pipeline?.userinfo?.close();
      cache.close();
      await decisionLog.close();
      const { logged, written, dropped } = decisionLog.stats;
      log.info('stopped', { decisions: logged, decisions_logged: written, decisions_dropped: dropped });
    },
  };
}

/** `bundles/authz.tar.gz` → `authz`: the bundle's name in decision events, as OPA names bundles. */
function bundleNameOf(path: string): string {
  return basename(path).replace(/\.tar\.gz$|\.tgz$/, '') || 'authz';
}
