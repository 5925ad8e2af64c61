import { createHash } from 'node:crypto';
import type { RoleClaim } from './role-claims.ts';
import { createStringInterner } from '../lib/intern-strings.ts';

/** Distinct role lists kept; past it, new lists are used as they come (bounded memory whatever the IdP sends). */
const MAX_LISTS = 10_000;
/** Lists longer than this are not interned: a 30,000-role list is rarely shared, and its key would be as large. */
const MAX_ROLES = 1_000;
/** Distinct role names kept, one copy each, across all the lists. */
const MAX_NAMES = 50_000;

/**
 * One frozen copy of each distinct role list, shared by every subject that holds it, and one copy of
 * each role name, shared by the lists. Why: thousands of users share a handful of role sets, and each
 * parsed userinfo answer otherwise brings its own array and its own copy of every role name
 * (measured by scripts/measure-claims-cache.ts). Shared lists also keep their identity, so work memoised per list (src/decision/relevant-roles.ts) is
 * done once per role set, not once per subject.
 */
export interface RoleInterner {
  /** The shared copy of `roles`; a list seen first is frozen (the caller hands over a fresh list) and becomes the shared one. */
  list(roles: readonly string[]): readonly string[];
  /**
   * Replaces, in a freshly parsed claims object (not yet shared), every role claim that is a list
   * of strings by its interned copy; the claims keep their meaning, only the arrays are shared.
   */
  claims(claims: Record<string, unknown>, roleClaims: readonly RoleClaim[]): void;
  readonly size: number;
}

export function createRoleInterner(): RoleInterner {
  // Keyed by a digest, not the list's text: a user with 1,000 roles of their own would otherwise keep a
  // second copy of them as the key. Equal digests are still compared element by element.
  const lists = new Map<string, readonly string[]>();
  const names = createStringInterner(MAX_NAMES);
  const list = (roles: readonly string[]): readonly string[] => {
    if (roles.length > MAX_ROLES) return roles;
    const hash = createHash('sha256');
    for (const r of roles) hash.update(`${r.length}:`).update(r);
    const key = hash.digest('base64url');
    const known = lists.get(key);
    if (known !== undefined && known.length === roles.length && known.every((r, i) => r === roles[i])) return known;
    if (known !== undefined || lists.size >= MAX_LISTS) return roles;
    // The caller's list is a fresh one (parsed or just read): its names are made the shared copies (lists
    // that differ still name the same roles), then it is frozen and kept as it is, not copied.
    if (!Object.isFrozen(roles)) {
      const fresh = roles as string[];
      for (let i = 0; i < fresh.length; i++) fresh[i] = names(fresh[i]!);
    }
    const frozen = Object.freeze(roles);
    lists.set(key, frozen);
    return frozen;
  };
  return {
    list,
    claims(claims, roleClaims) {
      for (const rc of roleClaims) {
        const [holder, name] = Object.hasOwn(claims, rc.path) ? [claims, rc.path] : parentOf(claims, rc.segments);
        const value = holder?.[name];
        if (holder && Array.isArray(value) && value.every((r) => typeof r === 'string')) holder[name] = list(value as string[]);
      }
    },
    get size() {
      return lists.size;
    },
  };
}

/** The object holding the last segment of a dotted path, and that segment; [undefined, ''] when the path is not there. */
function parentOf(claims: Record<string, unknown>, segments: readonly string[]): [Record<string, unknown> | undefined, string] {
  let cur: unknown = claims;
  for (const part of segments.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return [undefined, ''];
    cur = (cur as Record<string, unknown>)[part];
  }
  const last = segments[segments.length - 1]!;
  return cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, last) ? [cur as Record<string, unknown>, last] : [undefined, ''];
}
