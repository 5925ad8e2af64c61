/**
 * Reads roles from claims by dotted paths (`roles`, `realm_access.roles`,
 * `resource_access.my-client.roles`, `groups`). Returns `undefined` when none of the paths
 * exists, so "the token has no roles claim" differs from "the token says: no roles".
 */
export function readRoles(claims: Record<string, unknown>, paths: readonly string[]): string[] | undefined {
  let found = false;
  const roles = new Set<string>();
  for (const path of paths) {
    const value = lookup(claims, path);
    if (value === undefined) continue;
    found = true;
    if (typeof value === 'string') roles.add(value);
    else if (Array.isArray(value)) for (const r of value) if (typeof r === 'string') roles.add(r);
  }
  return found ? [...roles] : undefined;
}

function lookup(claims: Record<string, unknown>, path: string): unknown {
  let cur: unknown = claims;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
