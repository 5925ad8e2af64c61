import type { Config } from '../config/config.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import type { IssuerMetadata } from '../token/discover-issuer.ts';
import { createRemoteKeys } from '../token/remote-keys.ts';
import { createTokenVerifier, type TokenVerifier } from '../token/verify-token.ts';
import { cacheVerifiedTokens } from '../token/verified-token-cache.ts';
import { createClaimsCache, type ClaimsCache } from '../claims/claims-cache.ts';
import { createClaimsEnricher, type ClaimsEnricher } from '../claims/enrich-claims.ts';
import { createUserinfoClient, type ClaimsClient } from '../claims/userinfo-client.ts';
import { createCircuitBreaker, type CircuitBreaker } from '../claims/circuit-breaker.ts';
import { createClaimsFetcher, createClaimsSource } from '../claims/fetch-claims.ts';
import { createIntrospectionClient } from '../claims/introspection-client.ts';
import { parseRoleClaims } from '../claims/role-claims.ts';
import { createIntrospectingVerifier } from '../claims/verify-by-introspection.ts';
import { createLogoutTokenVerifier, type LogoutTokenVerifier } from '../claims/verify-logout-token.ts';
import { createSignedUserinfoVerifier } from '../claims/verify-signed-userinfo.ts';

/** What turns a bearer token into a subject: verification and claims enrichment. */
export interface IdentityPipeline {
  readonly verify: TokenVerifier;
  readonly enrich: ClaimsEnricher;
  readonly logoutVerifier: LogoutTokenVerifier | undefined;
  close(): Promise<void>;
}

/** Observation points for metrics; src/token and src/claims stay free of metrics code. */
export interface IdentityHooks {
  readonly wrapUserinfo?: (client: ClaimsClient) => ClaimsClient;
  readonly onJwksFetch?: (ok: boolean) => void;
  readonly onBreakerState?: (endpoint: string, to: 'closed' | 'open' | 'half-open') => void;
}

export interface IdentityComponents {
  readonly cache: ClaimsCache;
  readonly breakers: { readonly userinfo: CircuitBreaker; readonly introspection: CircuitBreaker };
  /** Builds the pipeline once the issuer's endpoints are known (after discovery). */
  build(meta: IssuerMetadata): IdentityPipeline;
}

/**
 * The long-lived parts (claims cache, circuit breakers) and a builder for the parts that need the
 * issuer's endpoints. Shared by the sidecar (src/main.ts) and `authz-sidecar check`, so a token is
 * verified and enriched the same way in both.
 */
export function createIdentityComponents(
  config: Config,
  log: ProcessLog,
  now: () => number = Date.now,
  hooks: IdentityHooks = {},
): IdentityComponents {
  const claimsConfig = config.claims;
  const cache = createClaimsCache({
    maxEntries: claimsConfig.cacheMaxEntries,
    maxBytes: claimsConfig.cacheMaxBytes,
    staleIfErrorSeconds: claimsConfig.staleIfErrorSeconds,
    now,
  });
  const breaker = (name: string): CircuitBreaker =>
    createCircuitBreaker({
      name,
      ...claimsConfig.breaker,
      now,
      onStateChange: (endpoint, from, to) => {
        log[to === 'open' ? 'warn' : 'info']('claims circuit breaker changed state', { endpoint, from, to });
        hooks.onBreakerState?.(endpoint, to);
      },
    });
  const breakers = { userinfo: breaker('userinfo'), introspection: breaker('introspection') };
  const roleClaims = parseRoleClaims(claimsConfig.roleClaims);
  const fetchClaims = createClaimsFetcher({ ...claimsConfig, cache, roleClaims, issuer: config.issuer, now, log });

  const build = (meta: IssuerMetadata): IdentityPipeline => {
    const keys = createRemoteKeys({
      jwksUri: meta.jwksUri,
      ...config.jwks,
      onRefused: (kid, reason) => log.warn('refused a key from the JWKS', { kid, reason }),
      ...(hooks.onJwksFetch ? { onFetch: hooks.onJwksFetch } : {}),
    });
    const verifyJwt = cacheVerifiedTokens(createTokenVerifier({ ...config.token, issuer: config.issuer, audience: config.audience, keys, log }), {
      ttlSeconds: config.token.cacheTtlSeconds,
      maxEntries: config.token.cacheMaxEntries,
      now,
    });
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
    const plainUserinfo = meta.userinfoEndpoint ? createUserinfoClient({ endpoint: meta.userinfoEndpoint, ...claimsConfig.userinfo, verifySigned }) : undefined;
    const userinfo = plainUserinfo && hooks.wrapUserinfo ? hooks.wrapUserinfo(plainUserinfo) : plainUserinfo;
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
    const logoutVerifier =
      clientId && claimsConfig.backchannelLogout.path
        ? createLogoutTokenVerifier({
            issuer: config.issuer,
            clientId,
            keys,
            algorithms: config.token.algorithms,
            clockToleranceSeconds: config.token.clockToleranceSeconds,
            now,
          })
        : undefined;
    const clients: (ClaimsClient | undefined)[] = [userinfo, introspection];
    return {
      verify,
      enrich,
      logoutVerifier,
      close: async () => {
        verifyJwt.close();
        await Promise.all(clients.map((c) => c?.close()));
      },
    };
  };
  return { cache, breakers, build };
}
