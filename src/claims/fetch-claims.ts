import { SidecarError } from '../errors/sidecar-error.ts';
import type { VerifiedToken } from '../token/verify-token.ts';
import { claimsCacheKey, subjectId, tokenKey, type CacheOutcome, type ClaimsCache, type Loaded } from './claims-cache.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { readRoles, type RoleClaim } from './role-claims.ts';
import { createRoleInterner } from './intern-roles.ts';
import type { ClaimsClient, FetchedClaims } from './userinfo-client.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { loadThroughShared } from './shared/load-through-shared.ts';
import type { SharedClaimsTier } from './shared/shared-tier.ts';
import type { IdpBudget } from './idp-budget.ts';

export type SourceName = 'userinfo' | 'introspection';

/** A claims endpoint behind its circuit breaker. */
export interface ClaimsSource {
  readonly name: SourceName;
  fetch(token: string): Promise<FetchedClaims>;
}

/** `client` is undefined when the issuer's discovery document names no such endpoint. */
export function createClaimsSource(name: SourceName, client: ClaimsClient | undefined, breaker: CircuitBreaker): ClaimsSource {
  return {
    name,
    fetch(token) {
      if (!client) return Promise.reject(new SidecarError('claims_unavailable', `the issuer publishes no ${name} endpoint`, { expose: true }));
      return breaker.run(() => client.fetch(token));
    },
  };
}

export interface SourceResult {
  readonly name: SourceName;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly roles: readonly string[];
  readonly outcome: CacheOutcome;
  readonly staleReason?: string | undefined;
}

export interface FetcherOptions {
  readonly cache: ClaimsCache;
  readonly roleClaims: readonly RoleClaim[];
  readonly issuer: string;
  readonly cacheTtlSeconds: number;
  readonly negativeTtlSeconds: number;
  readonly now?: () => number;
  /** Where a first-run mistake is explained: a first answer holding none of the role claims. */
  readonly log?: Pick<ProcessLog, 'warn'>;
  /** The fleet's shared tier, second behind `cache`, when `claims.shared.url` is set (src/claims/shared/). */
  readonly shared?: SharedClaimsTier | undefined;
  /** The IdP call budget (claims.budget.*), taken before every call that reaches the IdP. */
  readonly budget?: IdpBudget | undefined;
}

export type ClaimsFetcher = (source: ClaimsSource, token: string, payload: VerifiedToken['payload'] | undefined) => Promise<SourceResult>;

/** Estimated heap of a cached answer: measured 2.7× the JSON plus ~600 bytes (scripts/measure-claims-cache.ts). */
const entryBytes = (jsonBytes: number): number => 512 + 3 * jsonBytes;

/**
 * One source's claims for one request, through the cache. userinfo answers are cached per
 * subject (claimsCacheKey); introspection answers are about one token and cached under its hash.
 * The TTL never outlives the token's `exp`. A refusal is remembered for `negativeTtlSeconds` under
 * the token's hash, so a refused token does not reach the IdP on every request.
 *
 * `payload` is the verified token; undefined when this introspection call is what verifies it
 * (opaque tokens), in which case the answer must name `sub` and `exp` itself.
 */
export function createClaimsFetcher(options: FetcherOptions): ClaimsFetcher {
  const now = options.now ?? Date.now;
  const { cache } = options;
  const answered = new Set<SourceName>();
  const interner = createRoleInterner();
  // A cached verification hands every request with its token the same frozen payload
  // (src/token/verified-token-cache.ts, keyed by the whole token): the token's hash and the subject's
  // claims key are computed once per payload, not per request.
  const keysOf = new WeakMap<object, { hash: string; claims: string | undefined }>();
  return async (source, token, payload) => {
    let keys = payload ? keysOf.get(payload) : undefined;
    if (keys === undefined) {
      keys = { hash: tokenKey(token), claims: payload ? claimsCacheKey(payload) : undefined };
      if (payload && Object.isFrozen(payload)) keysOf.set(payload, keys);
    }
    const hash = keys.hash;
    const refusalKey = `refused:${source.name}:${hash}`;
    const refused = cache.refusal(refusalKey);
    if (refused) throw new SidecarError(refused.code, `${refused.message} (remembered refusal)`, { expose: refused.expose });
    const key = source.name === 'userinfo' && payload ? `userinfo:${keys.claims}` : `${source.name}:${hash}`;
    const subject = payload ? subjectId(payload.iss, payload.sub) : undefined;
    try {
      const fromIdp = async (): Promise<Loaded> => {
        const { claims, bytes } = await callIdp(options.budget, source, token, subject ?? `token:${hash}`);
        check(source.name, claims, payload, options.issuer);
        const roles = readRoles(claims, options.roleClaims);
        if (!answered.has(source.name)) {
          answered.add(source.name);
          if (roles === undefined) warnNoRoleClaims(options, source.name, claims);
        }
        const sub = payload?.sub ?? (claims['sub'] as string);
        const exp = payload?.exp ?? (claims['exp'] as number);
        return {
          value: { claims, roles: roles ?? [] },
          ttlSeconds: Math.min(options.cacheTtlSeconds, exp - now() / 1000),
          subject: subjectId(payload?.iss ?? options.issuer, sub),
          bytes: entryBytes(bytes),
        };
      };
      // The shared tier holds what is known before the call: entries of a verified token's subject.
      const shared = options.shared;
      const load =
        shared && payload && subject && options.cacheTtlSeconds > 0
          ? () => loadThroughShared({ tier: shared, subject, field: key, refusalKey, expMs: payload.exp * 1000, negativeTtlSeconds: options.negativeTtlSeconds, now }, fromIdp)
          : fromIdp;
      // Role lists are interned whichever tier answered: thousands of users share a handful of role sets.
      const interned = async (): Promise<Loaded> => {
        const loaded = await load();
        interner.claims(loaded.value.claims, options.roleClaims);
        return { ...loaded, value: { claims: loaded.value.claims, roles: interner.list(loaded.value.roles) } };
      };
      const r = await cache.getOrLoad(key, interned, subject);
      return { name: source.name, claims: r.value.claims, roles: r.value.roles, outcome: r.outcome, staleReason: r.staleReason };
    } catch (err) {
      if (err instanceof SidecarError && err.code === 'claims_rejected') cache.remember(refusalKey, err, options.negativeTtlSeconds);
      throw err;
    }
  };
}

/** One call to the IdP, within the budget; an IdP 429's Retry-After pauses the endpoint (fleet-wide when shared). */
async function callIdp(budget: IdpBudget | undefined, source: ClaimsSource, token: string, budgetKey: string): Promise<FetchedClaims> {
  if (!budget) return source.fetch(token);
  await budget.take(source.name, budgetKey);
  try {
    return await source.fetch(token);
  } catch (err) {
    if (err instanceof SidecarError && err.retryAfterSeconds !== undefined) budget.pause(source.name, err.retryAfterSeconds * 1000);
    throw err;
  }
}

/**
 * After a source's first answer: if it holds none of `claims.roleClaims`, say which claims it does hold (names
 * only), since every user would otherwise reach the policy without roles and be denied without a clue.
 */
function warnNoRoleClaims(options: FetcherOptions, source: SourceName, claims: Readonly<Record<string, unknown>>): void {
  options.log?.warn(`the first ${source} answer holds none of the role claims; if roles live elsewhere, every user reaches the policy without roles`, {
    role_claims: options.roleClaims.map((r) => r.path),
    claims_present: Object.keys(claims).sort(),
    hint: 'set claims.roleClaims to the claim that holds the roles (docs/claims.md), or make the IdP put them in userinfo (Keycloak: the mapper\'s "Add to userinfo")',
  });
}

function check(source: SourceName, claims: Record<string, unknown>, payload: VerifiedToken['payload'] | undefined, issuer: string): void {
  if (source === 'userinfo') {
    if (claims['sub'] !== payload?.sub) throw new SidecarError('subject_mismatch', 'userinfo answered for a different subject than the token');
    return;
  }
  if (claims['active'] !== true) throw new SidecarError('claims_rejected', 'the issuer reports the token inactive (introspection "active": false)');
  if (claims['iss'] !== undefined && claims['iss'] !== issuer) throw new SidecarError('claims_rejected', 'introspection names another issuer');
  if (payload) {
    if (claims['sub'] !== undefined && claims['sub'] !== payload.sub) {
      throw new SidecarError('subject_mismatch', 'introspection answered for a different subject than the token');
    }
    return;
  }
  if (typeof claims['sub'] !== 'string' || claims['sub'] === '') throw new SidecarError('claims_rejected', 'introspection answered no "sub" for the token');
  if (typeof claims['exp'] !== 'number') throw new SidecarError('claims_rejected', 'introspection answered no "exp"; tokens without expiry are not accepted');
}
