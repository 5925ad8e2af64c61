import { SidecarError } from '../errors/sidecar-error.ts';
import type { VerifiedToken } from '../token/verify-token.ts';
import { subjectId, type CacheOutcome, type ClaimsCache } from './claims-cache.ts';
import type { ClaimsFetcher, ClaimsSource, SourceResult } from './fetch-claims.ts';
import { mergeClaims, mergeRoles, type MergeRule, type RoleMergeRule } from './merge-claims.ts';
import { readRoles, type RoleClaim } from './role-claims.ts';
import { introspectionOf } from './verify-by-introspection.ts';
import { verificationMemoOf, type VerificationMemo } from '../token/verified-token-cache.ts';
import { freezeWithMemo, SubjectMemo, subjectMemoOf } from '../lib/memo-slot.ts';

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
  /** Set when a narrowing was applied: how many roles the subject held before it. */
  readonly held?: number;
}

/**
 * Narrows a merged subject for the active bundle (src/decision/relevant-roles.ts), returning a new, unfrozen
 * object. `id` names it in the memo of a kept subject: another bundle, another id.
 */
export interface Narrowing {
  readonly id: number;
  narrow(subject: Subject): Subject;
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

/** Marks, in a subject's memo, a subject built from the token alone (nothing fetched). */
const FROM_TOKEN: object = Object.freeze({});

/** With a `narrowing`, the subject returned is narrowed by it (and `held` set). */
export type ClaimsEnricher = (token: string, verified: VerifiedToken, narrowing?: Narrowing) => Promise<Enriched>;

/**
 * Adds the claims a subject-only token lacks. `claims.enrich` says when sources are asked
 * (`when-missing`: the token has none of the role claims). Sources are asked in parallel; if any
 * refuses, the request is refused (a 401-class refusal wins over an unavailable source). A token
 * that introspection verified reuses that answer. The merge rules are in merge-claims.ts.
 */
export function createClaimsEnricher(options: EnrichOptions): ClaimsEnricher {
  return async (token, verified, narrowing) => {
    const { payload } = verified;
    // A cached verification is one frozen object for all its requests (src/token/verified-token-cache.ts): its
    // subject is built and narrowed once, kept in the verification's memo and frozen with a memo of its own, so
    // later stages can memoise on it (input encoding, the decision log's scrub).
    const memo = verificationMemoOf(verified);
    const last = memo?.subject as Subject | undefined;
    const lastMemo = last === undefined ? undefined : subjectMemoOf(last);
    const reusable = lastMemo !== undefined && lastMemo.narrowedFor === (narrowing?.id ?? 0);
    if (reusable && lastMemo.from === FROM_TOKEN) return enriched(last!, lastMemo.roles.length, narrowing, 'token', 'none');
    const tokenRoles = readRoles(payload, options.roleClaims);
    const client = options.serviceClaim === undefined ? undefined : payload[options.serviceClaim];
    // A service's own token names no user: userinfo has nothing to say about it, so nothing is fetched.
    if (typeof client === 'string' && client !== '') {
      const subject: Subject = { ...payload, roles: tokenRoles ?? [], kind: 'service', client_id: client };
      return enriched(narrowing ? narrowing.narrow(subject) : subject, subject.roles.length, narrowing, 'token', 'none');
    }
    const pre = introspectionOf(payload);
    const needed = options.enrich === 'always' || (options.enrich === 'when-missing' && tokenRoles === undefined);
    if (!needed && !pre) {
      const merged: Subject = { ...payload, roles: tokenRoles ?? [], kind: 'user' };
      return enriched(keep(memo, merged, FROM_TOKEN, narrowing), merged.roles.length, narrowing, 'token', 'none');
    }

    if (typeof payload['sid'] === 'string') {
      const subject = subjectId(payload.iss, payload.sub);
      if (options.onSession && options.cache.subjectOfSession(payload['sid']) !== subject) options.onSession(payload['sid'], subject);
      options.cache.noteSession(payload['sid'], subject);
    }
    const results = await fetchAll(options, pre, needed, token, verified);
    const roles = mergeRoles(tokenRoles, results.map((r) => r.roles), options.roleMerge);
    const claims = results.map((r) => r.claims);
    const stale = results.find((r) => r.outcome === 'stale');
    const source = results.length === 1 ? results[0]!.name : results.map((r) => r.name).join('+');
    const cache = results.length === 1 ? results[0]!.outcome : results.map((r) => r.outcome).join('+');
    const staleReason = stale ? `${stale.name}: ${stale.staleReason}` : undefined;
    // A kept subject is reused while its answers and roles are the very same objects (a refreshed cache entry
    // brings new ones) and the narrowing is the same (a bundle reload brings another).
    if (reusable && lastMemo.roles === roles && sameAnswers(lastMemo.from, claims)) return enriched(last!, lastMemo.roles.length, narrowing, source, cache, staleReason);
    // `kind` is set last: neither the token nor the IdP's answer may claim to be a service.
    const merged = { ...mergeClaims(payload, claims, roles, options.merge), kind: 'user' } as Subject;
    // The memo's `from` is the one fetched answer, or the list of them.
    const kept = keep(memo, merged, claims.length === 1 ? claims[0]! : claims, narrowing);
    return enriched(kept, roles.length, narrowing, source, cache, staleReason);
  };
}

/**
 * The subject to use for a merged one: narrowed when a narrowing is given, and, for a cached verification
 * (`memo`), frozen with a SubjectMemo and kept in it. Only the narrowed subject is kept, not the merged one
 * beside it: one object per cached subject, not two (scripts/measure-subject-memory.ts). Without a memo, a new
 * object per request that nobody else holds.
 */
function keep(memo: VerificationMemo | undefined, merged: Subject, from: object, narrowing: Narrowing | undefined): Subject {
  const subject = narrowing ? narrowing.narrow(merged) : merged;
  if (memo === undefined) return subject;
  const sm = new SubjectMemo();
  sm.from = from;
  sm.roles = merged.roles;
  sm.narrowedFor = narrowing?.id ?? 0;
  memo.subject = freezeWithMemo(subject, sm);
  return memo.subject as Subject;
}

function enriched(subject: Subject, held: number, narrowing: Narrowing | undefined, source: string, cache: string, staleReason?: string): Enriched {
  return { subject, source, cache, ...(narrowing ? { held } : {}), ...(staleReason !== undefined ? { staleReason } : {}) };
}

/**
 * The answers of the sources asked, after the introspection answer that verified the token (if any). Sources
 * are asked in parallel; if any refuses, the request is refused (a 401-class refusal wins over an unavailable
 * source). One source alone, the usual case, is awaited directly: the same outcome without allSettled's arrays.
 */
async function fetchAll(options: EnrichOptions, pre: SourceResult | undefined, needed: boolean, token: string, verified: VerifiedToken): Promise<SourceResult[]> {
  if (!pre && needed && options.sources.length === 1) return [await options.fetch(options.sources[0]!, token, verified)];
  const todo = needed ? options.sources.filter((s) => !(pre && s.name === 'introspection')) : [];
  const settled = await Promise.allSettled(todo.map((s) => options.fetch(s, token, verified)));
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    throw failures.find((e) => e instanceof SidecarError && e.status === 401) ?? failures[0];
  }
  return [...(pre ? [pre] : []), ...settled.map((r) => (r as PromiseFulfilledResult<SourceResult>).value)];
}

function sameAnswers(from: object | undefined, claims: readonly Readonly<Record<string, unknown>>[]): boolean {
  if (claims.length === 1) return from === claims[0];
  return Array.isArray(from) && from.length === claims.length && from.every((c, i) => c === claims[i]);
}
