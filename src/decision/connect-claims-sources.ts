import type { JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/config.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import type { IssuerMetadata } from '../token/discover-issuer.ts';
import type { TokenVerifier } from '../token/verify-token.ts';
import type { CircuitBreaker } from '../claims/circuit-breaker.ts';
import { createClaimsSource, type ClaimsFetcher, type ClaimsSource } from '../claims/fetch-claims.ts';
import { createIntrospectionClient } from '../claims/introspection-client.ts';
import { createUserinfoClient, type ClaimsClient } from '../claims/userinfo-client.ts';
import { createIntrospectingVerifier } from '../claims/verify-by-introspection.ts';
import { createLogoutTokenVerifier, type LogoutTokenVerifier } from '../claims/verify-logout-token.ts';
import { createSignedUserinfoVerifier } from '../claims/verify-signed-userinfo.ts';
import type { IdentityHooks } from './identity.ts';

export interface ConnectOptions {
  readonly config: Config;
  readonly meta: IssuerMetadata;
  readonly keys: JWTVerifyGetKey;
  readonly breakers: { readonly userinfo: CircuitBreaker; readonly introspection: CircuitBreaker };
  readonly fetch: ClaimsFetcher;
  /** The JWT verifier (jose, cached); wrapped by introspection when `claims.introspection.verifyTokens` is on. */
  readonly verifyJwt: TokenVerifier;
  readonly log: ProcessLog;
  readonly now: () => number;
  readonly hooks: IdentityHooks;
}

export interface ConnectedSources {
  /** The configured sources, in `claims.sources` order. */
  readonly ordered: readonly ClaimsSource[];
  readonly userinfo: ClaimsClient | undefined;
  readonly introspection: ClaimsClient | undefined;
  readonly verify: TokenVerifier;
  readonly logoutVerifier: LogoutTokenVerifier | undefined;
  /** Closes the IdP connection pools. */
  close(): Promise<void>;
}

/**
 * The parts of the identity component that need the issuer's endpoints (from discovery): the
 * userinfo and introspection clients behind their breakers, the verifier (introspection wraps
 * the JWT verifier when it also verifies tokens), and the back-channel logout token verifier.
 */
export function connectClaimsSources(o: ConnectOptions): ConnectedSources {
  const { config, meta, keys, log } = o;
  const claims = config.claims;
  const { clientId, clientSecret } = claims;
  const verifySigned = clientId
    ? createSignedUserinfoVerifier({
        issuer: config.issuer,
        clientId,
        keys,
        algorithms: config.token.algorithms,
        maxBytes: claims.userinfo.maxResponseBytes,
        clockToleranceSeconds: config.token.clockToleranceSeconds,
      })
    : undefined;
  const plainUserinfo = meta.userinfoEndpoint ? createUserinfoClient({ endpoint: meta.userinfoEndpoint, ...claims.userinfo, verifySigned }) : undefined;
  const userinfo = plainUserinfo && o.hooks.wrapUserinfo ? o.hooks.wrapUserinfo(plainUserinfo) : plainUserinfo;
  const introspects = claims.sources.includes('introspection') || claims.introspection.verifyTokens;
  const introspection =
    introspects && meta.introspectionEndpoint && clientId && clientSecret
      ? createIntrospectionClient({ endpoint: meta.introspectionEndpoint, clientId, clientSecret, ...claims.userinfo })
      : undefined;
  if (introspects && !introspection) log.warn('introspection is configured but the issuer publishes no introspection_endpoint', { issuer: config.issuer });
  const sources = {
    userinfo: createClaimsSource('userinfo', userinfo, o.breakers.userinfo),
    introspection: createClaimsSource('introspection', introspection, o.breakers.introspection),
  };
  const verify = claims.introspection.verifyTokens
    ? createIntrospectingVerifier({
        verifyJwt: o.verifyJwt,
        fetch: o.fetch,
        introspection: sources.introspection,
        issuer: config.issuer,
        audience: config.audience,
        clockToleranceSeconds: config.token.clockToleranceSeconds,
        maxBytes: config.token.maxBytes,
        now: o.now,
      })
    : o.verifyJwt;
  const logoutVerifier =
    clientId && claims.backchannelLogout.path
      ? createLogoutTokenVerifier({
          issuer: config.issuer,
          clientId,
          keys,
          algorithms: config.token.algorithms,
          clockToleranceSeconds: config.token.clockToleranceSeconds,
          now: o.now,
        })
      : undefined;
  return {
    ordered: claims.sources.map((name) => sources[name]),
    userinfo,
    introspection,
    verify,
    logoutVerifier,
    close: async () => {
      await Promise.all([userinfo, introspection].map((c) => c?.close()));
    },
  };
}
