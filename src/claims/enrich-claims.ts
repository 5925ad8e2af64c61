import { SidecarError } from '../errors/sidecar-error.ts';
import type { VerifiedToken } from '../token/verify-token.ts';
import { subjectId, type CacheOutcome, type ClaimsCache } from './claims-cache.ts';
import type { ClaimsFetcher, ClaimsSource, SourceResult } from './fetch-claims.ts';
import { mergeClaims, mergeRoles, type MergeRule, type RoleMergeRule } from './merge-claims.ts';
import { readRoles, type RoleClaim } from './role-claims.ts';
import { introspectionOf } from './verify-by-introspection.ts';

/** The subject as the policy sees it: every verified or fetched claim, plus `roles` and `kind`. */
export interface Subject extends Record<string, unknown> {
  readonly sub: string;
  readonly iss: string;
  readonly roles: readonly string[];
  /** `service` for a client-credentials token recognised by `claims.serviceClaim` (then `client_id` is set), `user` otherwise; never the token's own. */
  readonly kind?: 'user' | 'service';
}

export interface Enriched {
  readonly subject: Subject;
  /** `token` alone, or the sources used joined with `+` in configured order (`introspection+userinfo`). */
  readonly source: string;
  /** `none` when nothing was fetched; otherwise each source's outcome, joined like `source`. */
  readonly cache: CacheOutcome | 'none' | string;
  /** Set when stale claims were served: why the refresh failed. */
  readonly staleReason?: string | undefined;
}

export interface EnrichOptions {
  readonly enrich: 'when-missing' | 'always' | 'never';
  readonly roleClaims: readonly RoleClaim[];
  readonly merge: MergeRule;
  readonly roleMerge: RoleMergeRule;
  /** In configured order. */
  readonly sources: readonly ClaimsSource[];
  readonly fetch: ClaimsFetcher;
  readonly cache: ClaimsCache;
  /** Called when a session id is seen for the first time in this process (the shared tier remembers it fleet-wide). */
  readonly onSession?: ((sid: string, subject: string) => void) | undefined;
  /** `claims.serviceClaim`: the claim that marks a service caller, or undefined (every caller is a user). */
  readonly serviceClaim?: string | undefined;
}

/** The subject last merged for a cached verification, with what it was merged from (compared by identity). */
interface Merged {
  readonly claims: readonly Readonly<Record<string, unknown>>[];
  readonly roles: readonly string[];
  readonly subject: Subject;
}

export type ClaimsEnricher = (token: string, verified: VerifiedToken) => Promise<Enriched>;

/**
 * Adds the claims a subject-only token lacks. `claims.enrich` says when sources are asked
 * (`when-missing`: the token has none of the role claims). Sources are asked in parallel; if any
 * refuses, the request is refused (a 401-class refusal wins over an unavailable source). A token
 * that introspection verified reuses that answer. The merge rules are in merge-claims.ts.
 */
export function createClaimsEnricher(options: EnrichOptions): ClaimsEnricher {
  const merged = new WeakMap<object, Merged>();
  const fromToken = new WeakMap<object, Subject>();
  return async (token, { payload }) => {
    // A cached verification is one frozen payload for all its requests (src/token/verified-token-cache.ts): its
    // subject is built once and kept frozen, so later stages can memoise on it (relevant roles, input encoding).
    const cachedPayload = Object.isFrozen(payload);
    const known = cachedPayload ? fromToken.get(payload) : undefined;
    if (known !== undefined) return { subject: known, source: 'token', cache: 'none' };
    const tokenRoles = readRoles(payload, options.roleClaims);
    const client = options.serviceClaim === undefined ? undefined : payload[options.serviceClaim];
    // A service's own token names no user: userinfo has nothing to say about it, so nothing is fetched.
    if (typeof client === 'string' && client !== '') {
      return { subject: { ...payload, roles: tokenRoles ?? [], kind: 'service', client_id: client }, source: 'token', cache: 'none' };
    }
    const pre = introspectionOf(payload);
    const needed = options.enrich === 'always' || (options.enrich === 'when-missing' && tokenRoles === undefined);
    if (!needed && !pre) {
      const subject: Subject = { ...payload, roles: tokenRoles ?? [], kind: 'user' };
      if (cachedPayload) fromToken.set(payload, Object.freeze(subject));
      return { subject, source: 'token', cache: 'none' };
    }

    if (typeof payload['sid'] === 'string') {
      const subject = subjectId(payload.iss, payload.sub);
      if (options.onSession && options.cache.subjectOfSession(payload['sid']) !== subject) options.onSession(payload['sid'], subject);
      options.cache.noteSession(payload['sid'], subject);
    }
    const todo = needed ? options.sources.filter((s) => !(pre && s.name === 'introspection')) : [];
    const settled = await Promise.allSettled(todo.map((s) => options.fetch(s, token, payload)));
    const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) {
      throw failures.find((e) => e instanceof SidecarError && e.status === 401) ?? failures[0];
    }
    const results: SourceResult[] = [...(pre ? [pre] : []), ...settled.map((r) => (r as PromiseFulfilledResult<SourceResult>).value)];
    const roles = mergeRoles(tokenRoles, results.map((r) => r.roles), options.roleMerge);
    const claims = results.map((r) => r.claims);
    let subject: Subject;
    const last = cachedPayload ? merged.get(payload) : undefined;
    if (last !== undefined && last.roles === roles && last.claims.length === claims.length && last.claims.every((c, i) => c === claims[i])) {
      subject = last.subject;
    } else {
      // `kind` is set last: neither the token nor the IdP's answer may claim to be a service.
      subject = { ...mergeClaims(payload, claims, roles, options.merge), kind: 'user' } as Subject;
      if (cachedPayload) merged.set(payload, { claims, roles, subject: Object.freeze(subject) });
    }
    const stale = results.find((r) => r.outcome === 'stale');
    return {
      subject,
      source: results.map((r) => r.name).join('+'),
      cache: results.map((r) => r.outcome).join('+'),
      ...(stale ? { staleReason: `${stale.name}: ${stale.staleReason}` } : {}),
    };
  };
}
