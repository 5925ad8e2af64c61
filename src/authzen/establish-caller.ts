import { createHash, timingSafeEqual } from 'node:crypto';
import type { Enriched, Subject } from '../claims/enrich-claims.ts';
import { subjectOf, type AuthorizerDeps } from '../decision/authorize.ts';
import type { DecisionRecord } from '../decision/record-decision.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';
import { extractBearer } from '../token/extract-bearer.ts';
import type { VerifiedToken } from '../token/verify-token.ts';
import type { AuthzenSettings } from './authzen-settings.ts';

/**
 * Who asks, established once per request (docs/authzen.md, "Who may ask"):
 * - `token`: the subject's own bearer token, verified and enriched exactly as on /authorize
 *   (subjectOf); every subject.id of the request must be its `sub`;
 * - `pep`: an enforcement point that authenticated with `authzen.pepToken` and asserts the subject.
 */
export type Caller =
  | { readonly trust: 'token'; readonly sub: string; readonly subject: Subject; readonly verified: VerifiedToken; readonly enriched: Enriched }
  | { readonly trust: 'pep' };

/**
 * Which trust mode the Authorization header asks for, before anything is verified: the PEP's
 * credential (compared in constant time over SHA-256 digests), or else a subject's token when
 * `authzen.trust` has `token`. `pep_unauthorized` when only enforcement points may ask and the
 * credential is not theirs.
 */
export function trustOf(authorization: string | undefined, settings: AuthzenSettings): 'token' | 'pep' {
  const bearer = extractBearer(authorization);
  if (settings.pepDigest !== undefined && timingSafeEqual(createHash('sha256').update(bearer).digest(), settings.pepDigest)) return 'pep';
  if (settings.trust.includes('token')) return 'token';
  throw new SidecarError('pep_unauthorized', 'this PDP answers authenticated enforcement points only: send Authorization: Bearer <authzen.pepToken>');
}

/** Establishes the caller; a token's verification and enrichment are marked on `record` (the request's first decision). */
export async function establishCaller(
  deps: AuthorizerDeps,
  settings: AuthzenSettings,
  authorization: string | undefined,
  record: DecisionRecord,
  engine: PolicyEngine,
): Promise<Caller> {
  if (trustOf(authorization, settings) === 'pep') return { trust: 'pep' };
  let verified: VerifiedToken | undefined;
  let enriched: Enriched | undefined;
  const capture: DecisionRecord = {
    ...record,
    verified: (v) => record.verified((verified = v)),
    enriched: (e) => record.enriched((enriched = e)),
  };
  const subject = await subjectOf(deps, capture, authorization, engine);
  return { trust: 'token', sub: verified!.payload.sub, subject, verified: verified!, enriched: enriched! };
}

/** `subject_mismatch` unless a token caller asks about its own subject. */
export function checkSubject(caller: Caller, id: string | undefined): void {
  if (caller.trust === 'token' && id !== caller.sub) {
    throw new SidecarError('subject_mismatch', 'subject.id is not the subject of the bearer token: a token may only ask about its own subject');
  }
}
