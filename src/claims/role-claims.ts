/**
 * Where roles live in a claims object, as configured in `claims.roleClaims`: a dotted path,
 * optionally followed by `|` and a prefix given to every role found there.
 *
 * @example
 * parseRoleClaims(['roles', 'realm_access.roles', 'resource_access.orders-api.roles|orders-api:', 'groups|group:'])
 */
export interface RoleClaim {
  readonly path: string;
  readonly segments: readonly string[];
  readonly prefix: string;
}

/** Why a `claims.roleClaims` entry is unusable, or undefined when it is fine (used by the config loader). */
export function roleClaimProblem(entry: string): string | undefined {
  const bar = entry.indexOf('|');
  const path = bar === -1 ? entry : entry.slice(0, bar);
  if (bar !== -1 && entry.indexOf('|', bar + 1) !== -1) return "at most one '|' (path|prefix)";
  if (path.trim() !== path || path === '') return 'the path must be non-empty, without surrounding spaces';
  if (path.split('.').some((s) => s === '')) return 'the path has an empty segment (leading, trailing or doubled dot)';
  return undefined;
}

export function parseRoleClaims(entries: readonly string[]): readonly RoleClaim[] {
  return entries.map((entry) => {
    const bar = entry.indexOf('|');
    const path = bar === -1 ? entry : entry.slice(0, bar);
    return Object.freeze({ path, segments: path.split('.'), prefix: bar === -1 ? '' : entry.slice(bar + 1) });
  });
}

/**
 * Reads roles from claims: each path's string or array of strings, prefixed, de-duplicated,
 * in configuration order. Returns `undefined` when none of the paths exists, so "the token has
 * no roles claim" differs from "the token says: no roles". A path is first tried as one literal
 * claim name (namespaced claims such as `https://example.com/roles` contain dots), then as
 * nested members.
 */
export function readRoles(claims: Readonly<Record<string, unknown>>, paths: readonly RoleClaim[]): string[] | undefined {
  let found = false;
  const roles = new Set<string>();
  for (const rc of paths) {
    const value = Object.hasOwn(claims, rc.path) ? claims[rc.path] : lookup(claims, rc.segments);
    if (value === undefined) continue;
    found = true;
    if (typeof value === 'string') roles.add(rc.prefix + value);
    else if (Array.isArray(value)) for (const r of value) if (typeof r === 'string') roles.add(rc.prefix + r);
  }
  return found ? [...roles] : undefined;
}

function lookup(claims: Readonly<Record<string, unknown>>, segments: readonly string[]): unknown {
  let cur: unknown = claims;
  for (const part of segments) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
