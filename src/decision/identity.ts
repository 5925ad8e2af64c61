import type { Config } from '../config/config.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import { OK, statusOf, type Component, type ComponentStatus } from '../lib/component.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import type { IssuerMetadata } from '../token/discover-issuer.ts';
import type { IssuerEndpoints } from '../token/issuer-discovery.ts';
import { createRemoteKeys } from '../token/remote-keys.ts';
import { createTokenVerifier, type TokenVerifier } from '../token/verify-token.ts';
import { cacheVerifiedTokens } from '../token/verified-token-cache.ts';
import { createClaimsAdmin, type ClaimsAdmin } from '../claims/claims-admin.ts';
import { createClaimsCache, subjectId } from '../claims/claims-cache.ts';
import type { ClaimsSettings } from '../claims/claims-settings.ts';
import { createClaimsEnricher, type ClaimsEnricher, type Enriched, type Subject } from '../claims/enrich-claims.ts';
import type { ClaimsClient } from '../claims/userinfo-client.ts';
import { createCircuitBreaker, type BreakerStatus, type CircuitBreaker } from '../claims/circuit-breaker.ts';
import { createClaimsFetcher } from '../claims/fetch-claims.ts';
import { createSubjectLookup } from '../claims/subject-lookup.ts';
import type { SharedClaimsTier } from '../claims/shared/shared-tier.ts';
import { createIdpBudget } from '../claims/idp-budget.ts';
import { connectClaimsSources, type ConnectedSources } from './connect-claims-sources.ts';

/** Observation points for metrics; src/token and src/claims stay free of metrics code. */
export interface IdentityHooks {
  readonly wrapUserinfo?: (client: ClaimsClient) => ClaimsClient;
  readonly onJwksFetch?: (ok: boolean) => void;
  readonly onBreakerState?: (endpoint: string, to: 'closed' | 'open' | 'half-open') => void;
  /** A call the IdP budget (claims.budget.*) did not let through. */
  readonly onBudgetRefused?: (endpoint: string) => void;
}

export interface IdentityOptions {
  readonly config: Config;
  readonly claims: ClaimsSettings;
  readonly issuer: IssuerEndpoints;
  readonly log: ProcessLog;
  readonly now?: () => number;
  readonly hooks?: IdentityHooks;
  /** The `claims_shared` component (a component of its own, started before this one), when `claims.shared.url` is set. */
  readonly shared?: SharedClaimsTier | undefined;
}

/**
 * The `identity` component: what turns a bearer token into a subject. `verify` checks the token
 * (jose, the issuer's JWKS, or introspection), `enrich` adds the claims userinfo or
 * introspection hold (cached, behind circuit breakers). The parts that need the issuer's
 * endpoints are built once discovery has found them; until then `verify` answers `not_ready`.
 * Shared by the sidecar (src/runtime/) and `authz-sidecar check`, so a token is verified and
 * enriched the same way in both.
 */
export interface Identity extends Component {
  readonly verify: TokenVerifier;
  readonly enrich: ClaimsEnricher;
  readonly admin: ClaimsAdmin;
  /**
   * The claims the cache holds for a subject known by its `sub` alone (an AuthZEN subject asserted by an
   * enforcement point, with no token to fetch claims with): source `cache`, or undefined when none are fresh.
   */
  readonly cachedSubject: (sub: string) => Enriched | undefined;
  /** cachedSubject, or what the shared tier holds (another replica fetched it), or else `claims.subjectLookup` when configured (source `lookup`); undefined when none knows the subject. */
  readonly subjectClaims: (sub: string) => Promise<Enriched | undefined>;
}

/** One closure on purpose (longer than 80 lines): the cache, the breakers and the parts built after discovery are private state the component's methods share. */
export function createIdentity(options: IdentityOptions): Identity {
  const { config, log, hooks = {} } = options;
  const now = options.now ?? Date.now;
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
  const breakers = { userinfo: breaker('userinfo'), introspection: breaker('introspection'), lookup: breaker('subject lookup') };
  const { shared } = options;
  // An eviction announced by any replica (this one included) drops the subject from the local tier.
  shared?.onEvict((subject) => cache.evictSubject(subject));
  const { budget: b } = claimsConfig;
  const budget = createIdpBudget({
    endpoint: { perSecond: b.callsPerSecond, burst: b.burst },
    subject: { perSecond: b.perSubjectPerMinute / 60, burst: b.perSubjectBurst },
    maxSubjects: claimsConfig.cacheMaxEntries,
    now,
    shared,
    onRefused: hooks.onBudgetRefused,
  });
  const fetchClaims = createClaimsFetcher({ ...claimsConfig, cache, roleClaims: options.claims.roleClaims, issuer: config.issuer, now, log, shared, budget });
  const lookupUrl = claimsConfig.subjectLookup.url;
  const lookup = lookupUrl
    ? createSubjectLookup({
        ...claimsConfig.userinfo,
        urlTemplate: lookupUrl,
        authorization: claimsConfig.subjectLookup.authorization,
        issuer: config.issuer,
        roleClaims: options.claims.roleClaims,
        cacheTtlSeconds: claimsConfig.cacheTtlSeconds,
        cache,
        breaker: breakers.lookup,
      })
    : undefined;
  let built: (ConnectedSources & { enrich: ClaimsEnricher; closeVerifier(): void }) | undefined;
  let jwksFailing = false;
  let stopped = false;

  const build = (meta: IssuerMetadata): void => {
    if (stopped || built) return;
    const keys = createRemoteKeys({
      jwksUri: meta.jwksUri,
      ...config.jwks,
      onRefused: (kid, reason) => log.warn('refused a key from the JWKS', { kid, reason }),
      onFetch: (ok) => {
        jwksFailing = !ok;
        hooks.onJwksFetch?.(ok);
      },
    });
    const verifyJwt = cacheVerifiedTokens(createTokenVerifier({ ...config.token, issuer: config.issuer, audience: config.audience, keys, log }), {
      ttlSeconds: config.token.cacheTtlSeconds,
      maxEntries: config.token.cacheMaxEntries,
      now,
      keys,
    });
    const sources = connectClaimsSources({ config, meta, keys, breakers, fetch: fetchClaims, verifyJwt, log, now, hooks });
    const onSession = shared ? (sid: string, subject: string) => void shared.noteSession(sid, subject) : undefined;
    const enrich = createClaimsEnricher({ ...claimsConfig, roleClaims: options.claims.roleClaims, sources: sources.ordered, fetch: fetchClaims, cache, onSession });
    built = { ...sources, enrich, closeVerifier: () => verifyJwt.close() };
  };

  const notDiscovered = (): SidecarError => new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
  const waiting = (): ComponentStatus => statusOf('NOT_READY', `issuer discovery has not succeeded yet (${config.issuer})`);
  const breakerStatus = (b: BreakerStatus, name: string): ComponentStatus => {
    if (b.state === 'open') return statusOf('ERROR', `${name} is failing: the circuit is open after ${b.consecutiveFailures} consecutive failures`);
    if (b.state === 'half-open') return statusOf('WARN', `${name} is failing: a probe call decides whether the circuit closes`);
    return b.consecutiveFailures > 0 ? statusOf('WARN', `${name}: ${b.consecutiveFailures} consecutive failures`) : OK;
  };

  const cachedSubject = (sub: string): Enriched | undefined => {
    const cached = cache.peekSubject(subjectId(config.issuer, sub));
    if (cached === undefined) return undefined;
    return { subject: { ...cached.claims, sub, iss: config.issuer, roles: cached.roles, kind: 'user' } as Subject, source: 'cache', cache: 'hit' };
  };

  /** What another replica cached for the subject, through the shared tier (`cache: shared`). */
  const sharedSubject = async (sub: string): Promise<Enriched | undefined> => {
    const found = await shared?.peekSubject(subjectId(config.issuer, sub));
    if (found === undefined) return undefined;
    return { subject: { ...found.claims, sub, iss: config.issuer, roles: found.roles } as Subject, source: 'cache', cache: 'shared' };
  };

  return {
    name: 'identity',
    cachedSubject,
    subjectClaims: async (sub) => cachedSubject(sub) ?? (await sharedSubject(sub)) ?? (await lookup?.lookup(sub)),
    verify: (token) => (built ? built.verify(token) : Promise.reject(notDiscovered())),
    enrich: (token, verified, narrowing) => (built ? built.enrich(token, verified, narrowing) : Promise.reject(notDiscovered())),
    admin: createClaimsAdmin({
      issuer: config.issuer,
      cache,
      breakers: () => ({ userinfo: breakers.userinfo.status, introspection: breakers.introspection.status }),
      logoutVerifier: () => built?.logoutVerifier,
      shared,
    }),
    async start() {
      // When discovery is done already (a reload), this builds at once, before the swap.
      options.issuer.onDiscovered(build);
    },
    async stop() {
      stopped = true;
      cache.close();
      await lookup?.close();
      built?.closeVerifier();
      await built?.close();
    },
    status() {
      const looks: Record<string, ComponentStatus> = lookup ? { subject_lookup: breakerStatus(breakers.lookup.status, 'the subject lookup') } : {};
      if (!built) return { keys: waiting(), ...(uses(config, 'userinfo') ? { userinfo: waiting() } : {}), ...looks };
      return {
        ...looks,
        keys: jwksFailing ? statusOf('WARN', 'the last JWKS fetch failed') : OK,
        ...(built.userinfo && uses(config, 'userinfo') ? { userinfo: breakerStatus(breakers.userinfo.status, 'userinfo') } : {}),
        ...(built.introspection ? { introspection: breakerStatus(breakers.introspection.status, 'introspection') } : {}),
      };
    },
  };
}

function uses(config: Config, source: 'userinfo' | 'introspection'): boolean {
  return config.claims.enrich !== 'never' && config.claims.sources.includes(source);
}
