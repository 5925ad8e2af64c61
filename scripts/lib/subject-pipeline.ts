// The sidecar's per-subject caches and memos wired as src/decision/identity.ts wires them, without HTTP, an IdP or
// a policy: shared by scripts/measure-subject-memory.ts (heap per subject) and scripts/measure-subject-gc.ts (GC
// pauses while rotating over many subjects). Subjects are shaped like the benchmark's (bench/src/idp/): 10 roles,
// one of them known to the policy, every token and userinfo answer parsed from text (own strings per subject).
import { cacheVerifiedTokens } from '../../src/token/verified-token-cache.ts';
import { createClaimsCache } from '../../src/claims/claims-cache.ts';
import { createClaimsFetcher, createClaimsSource } from '../../src/claims/fetch-claims.ts';
import { createClaimsEnricher } from '../../src/claims/enrich-claims.ts';
import { createCircuitBreaker } from '../../src/claims/circuit-breaker.ts';
import { parseRoleClaims } from '../../src/claims/role-claims.ts';
import { createSubjectFilter } from '../../src/decision/relevant-roles.ts';
import { buildInput } from '../../src/decision/build-input.ts';
import { compileMasks, maskEvent } from '../../src/decision-log/mask-event.ts';
import { stringifyMembers } from '../../src/lib/frozen-json.ts';
import { normalizeRequest } from '../../src/request/normalize-request.ts';
import type { PolicyEngine } from '../../src/policy/policy-engine.ts';
import type { VerifiedToken } from '../../src/token/verify-token.ts';

export interface PipelineOptions {
  readonly subjects: number;
  /** `token.cacheTtlSeconds` and `claims.cacheTtlSeconds`; the defaults are the sidecar's (600 and 300). */
  readonly tokenTtlSeconds?: number;
  readonly claimsTtlSeconds?: number;
  readonly now?: () => number;
}

const iss = 'http://127.0.0.1:18180';
const roles = JSON.stringify(Array.from({ length: 10 }, (_, i) => (i === 0 ? 'orders-viewer' : `api-${String(i).padStart(5, '0')}-reader`)));
const request = normalizeRequest('GET', '/orders/1');

export function subjectPipeline(options: PipelineOptions) {
  const n = options.subjects;
  const now = options.now ?? Date.now;
  const exp = Math.floor(now() / 1000) + 86_400;
  const idOf = (token: string): number => Number(Buffer.from(token.split('.')[1]!, 'base64url').toString().slice(1));
  // Parsed from text, as jose and the userinfo client do: every subject gets its own strings.
  const verified = (i: number): VerifiedToken =>
    JSON.parse(`{"payload":{"iss":"${iss}","aud":"bench-api","azp":"bench-service","scope":"openid profile","iat":${exp - 86_400},"exp":${exp},"sub":"u10-m${i}","jti":"many-subjects-v1-1764696000-${i}"},"header":{"alg":"RS256","typ":"JWT","kid":"Zk3nq0cY1d5cX9fQ"}}`) as VerifiedToken;
  // Made when used, not held: the sidecar keeps no token, and a million-entry array of them would be the
  // largest object on the heap, marked in long steps the sidecar itself would not take.
  const signature = 's'.repeat(342);
  const tokenOf = (i: number): string => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(`m${i}`).toString('base64url')}.${signature}`;

  const roleClaims = parseRoleClaims(['roles']);
  const cache = createClaimsCache({ maxEntries: n + 10, maxBytes: 1e12, staleIfErrorSeconds: 300, now });
  const fetch = createClaimsFetcher({ cache, roleClaims, issuer: iss, cacheTtlSeconds: options.claimsTtlSeconds ?? 300, negativeTtlSeconds: 10, now });
  const client = {
    fetch: async (token: string) => {
      const text = `{"sub":"u10-m${idOf(token)}","name":"Bench User","roles":${roles},"groups":[]}`;
      return { claims: JSON.parse(text) as Record<string, unknown>, bytes: text.length };
    },
    close: async () => undefined,
  };
  const breaker = createCircuitBreaker({ name: 'userinfo', failureThreshold: 1e9, coolOffMs: 1000 });
  const source = createClaimsSource('userinfo', client, breaker);
  const enrich = createClaimsEnricher({ enrich: 'when-missing', merge: 'token-wins', roleMerge: 'union', roleClaims, sources: [source], fetch, cache });
  let verifications = 0;
  const verify = cacheVerifiedTokens(async (t) => (verifications++, verified(idOf(t))), { ttlSeconds: options.tokenTtlSeconds ?? 600, maxEntries: n + 10, now });
  const engine = { relevantRoles: new Set(['admin', 'orders-viewer']), relevantRolesSource: { from: 'data.authz.authz_sidecar.relevant_roles', kind: 'declared' } } as unknown as PolicyEngine;
  const filter = createSubjectFilter(roleClaims);
  const masks = compileMasks({ erase: [], mask: [], eraseTokens: true });

  /** The narrowed subject of token i, as src/decision/authorize.ts's subjectOf makes it. */
  const subjectOf = async (i: number) => {
    const token = tokenOf(i);
    const v = await verify(token);
    return (await enrich(token, v, filter.narrowing(engine))).subject;
  };
  /** What one decision does with a subject besides evaluating: the policy input's text and the decision event's (masked). */
  const decide = async (i: number): Promise<number> => {
    const input = buildInput(await subjectOf(i), request, {});
    const policyText = stringifyMembers(input) ?? '';
    const masked = maskEvent({ input, result: { allow: true } }, masks);
    return policyText.length + (stringifyMembers(masked.event['input']) ?? '').length;
  };
  const close = (): void => {
    verify.close();
    cache.close();
  };
  /** Tokens verified so far (cache misses of the verified-token cache): a pass longer than its TTL verifies again. */
  const verificationCount = (): number => verifications;
  return { tokenOf, verify, enrich, filter, engine, subjectOf, decide, masks, close, verificationCount };
}
