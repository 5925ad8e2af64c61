import { SidecarError } from '../errors/sidecar-error.ts';
import type { VerifiedToken } from '../token/verify-token.ts';
import { claimsCacheKey, subjectId, type CacheOutcome, type ClaimsCache, type Loaded } from './claims-cache.ts';
import { tokenKey } from '../lib/token-key.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { readRoles, type RoleClaim } from './role-claims.ts';
import { createRoleInterner } from './intern-roles.ts';
import type { ClaimsClient, FetchedClaims } from './userinfo-client.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { loadThroughShared } from './shared/load-through-shared.ts';
import type { SharedClaimsTier } from './shared/shared-tier.ts';
import type { IdpBudget } from './idp-budget.ts';
import { verificationMemoOf } from '../token/verified-token-cache.ts';

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

export type ClaimsFetcher = (source: ClaimsSource, token: string, verified: VerifiedToken | undefined) => Promise<SourceResult>;

/** Estimated heap of a cached answer: measured 2.7× the JSON plus ~600 bytes (scripts/measure-claims-cache.ts). */
const entryBytes = (jsonBytes: number): number => 512 + 3 * jsonBytes;

/**
 * One source's claims for one request, through the cache. userinfo answers are cached per
 * subject (claimsCacheKey); introspection answers are about one token and cached under its hash.
 * The TTL never outlives the token's `exp`. A refusal is remembered for `negativeTtlSeconds` under
 * the token's hash, so a refused token does not reach the IdP on every request.
 *
 * `verified` is the verified token; undefined when this introspection call is what verifies it
 * (opaque tokens), in which case the answer must name `sub` and `exp` itself.
 */
export function createClaimsFetcher(options: FetcherOptions): ClaimsFetcher {
  const now = options.now ?? Date.now;
  const { cache } = options;
  const answered = new Set<SourceName>();
  const interner = createRoleInterner();
  return async (source, token, verified) => {
    const payload = verified?.payload;
    // A cached verification is the same frozen object for every request with its token, and its memo holds
    // the token's hash (src/token/verified-token-cache.ts, keyed by it): the subject's claims key is computed
    // once per cached verification, and kept as the one string the claims cache is keyed by.
    const memo = verified ? verificationMemoOf(verified) : undefined;
    const hash = memo?.key ?? tokenKey(token);
    // The refusal's key is built only when some refusal is remembered: a hit then allocates nothing here.
    const refused = cache.refusals > 0 ? cache.refusal(refusalKeyOf(source.name, hash)) : undefined;
    if (refused) throw new SidecarError(refused.code, `${refused.message} (remembered refusal)`, { expose: refused.expose });
    let key: string;
    if (source.name === 'userinfo' && payload) {
      key = memo?.claimsKey ?? `userinfo:${claimsCacheKey(payload)}`;
      if (memo) memo.claimsKey = key;
    } else {
      key = `${source.name}:${hash}`;
    }
    const hit = cache.fresh(key);
    if (hit !== undefined) return { name: source.name, claims: hit.claims, roles: hit.roles, outcome: 'hit' };
    const refusalKey = refusalKeyOf(source.name, hash);
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
        const claims = loaded.value.claims as Record<string, unknown>;
        interner.claims(claims, options.roleClaims);
        shareEqualValues(claims, payload);
        return { ...loaded, value: { claims, roles: interner.list(loaded.value.roles) } };
      };
      const r = await cache.getOrLoad(key, interned, subject);
      return { name: source.name, claims: r.value.claims, roles: r.value.roles, outcome: r.outcome, staleReason: r.staleReason };
    } catch (err) {
      if (err instanceof SidecarError && err.code === 'claims_rejected') cache.remember(refusalKey, err, options.negativeTtlSeconds);
      throw err;
    }
  };
}

/** The key a refused token's refusal is remembered under, per source: the same text where it is asked and where it is stored. */
function refusalKeyOf(source: SourceName, hash: string): string {
  return `refused:${source}:${hash}`;
}

const EMPTY_LIST: readonly unknown[] = Object.freeze([]);

/**
 * In a freshly fetched answer (not yet shared), uses one copy of what needs none of its own: the token's own
 * `sub` string (the answer's was checked equal to it), and one frozen empty list for every `[]`. Equal
 * values, so the claims keep their meaning; only their memory changes (scripts/measure-subject-memory.ts).
 */
function shareEqualValues(claims: Record<string, unknown>, payload: VerifiedToken['payload'] | undefined): void {
  if (Object.isFrozen(claims)) return;
  if (payload !== undefined && claims['sub'] === payload.sub) claims['sub'] = payload.sub;
  for (const name of Object.keys(claims)) {
    const v = claims[name];
    if (Array.isArray(v) && v.length === 0 && v !== EMPTY_LIST) claims[name] = EMPTY_LIST;
  }
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
