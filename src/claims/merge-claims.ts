/**
 * Claims that describe the token itself; they always come from the (verified) token, whatever
 * `claims.merge` says, so a fetched answer can never change who the subject is or what the
 * token was issued for.
 */
const TOKEN_ONLY = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'client_id', 'scope', 'sid', 'active']);

export type MergeRule = 'token-wins' | 'idp-wins';
export type RoleMergeRule = 'union' | 'idp-only';

/**
 * The subject the policy sees. Fetched answers are layered in source order (a later source's
 * claim replaces an earlier one's); then `token-wins` puts the token's claims on top and
 * `idp-wins` puts the fetched ones on top. `roles` is computed, never taken from either side.
 */
export function mergeClaims(
  payload: Readonly<Record<string, unknown>>,
  fetched: readonly Readonly<Record<string, unknown>>[],
  roles: readonly string[],
  rule: MergeRule,
): Record<string, unknown> {
  const layered: Record<string, unknown> = {};
  for (const claims of fetched) {
    for (const [k, v] of Object.entries(claims)) if (!TOKEN_ONLY.has(k)) layered[k] = v;
  }
  // layered holds no TOKEN_ONLY claim, so either order keeps the token's identity claims.
  const merged = rule === 'token-wins' ? { ...layered, ...payload } : { ...payload, ...layered };
  return { ...merged, roles };
}

/** `union`: the token's roles and the fetched ones; `idp-only`: the fetched ones once any were fetched. */
export function mergeRoles(tokenRoles: readonly string[] | undefined, fetched: readonly (readonly string[])[], rule: RoleMergeRule): readonly string[] {
  // The common case, one source and nothing to add from the token: the cached list itself (already
  // without duplicates), not a copy, so a user with 30,000 roles costs no copy per request and the
  // list keeps its identity for memoised work (src/decision/relevant-roles.ts).
  if (fetched.length === 1 && (rule !== 'union' || tokenRoles === undefined || tokenRoles.length === 0)) return fetched[0]!;
  const out = new Set<string>(rule === 'union' || fetched.length === 0 ? tokenRoles ?? [] : []);
  for (const roles of fetched) for (const r of roles) out.add(r);
  return [...out];
}
