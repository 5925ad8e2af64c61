import type { Subject } from '../claims/enrich-claims.ts';
import type { RoleClaim } from '../claims/role-claims.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';
import { freezeWithMemo, SerialMemo, subjectMemoOf } from '../lib/memo-slot.ts';

export type SubjectFilter = (subject: Subject, engine: PolicyEngine) => Subject;

/**
 * Narrows a subject to what the active bundle can grant on: `roles` keeps only the bundle's
 * relevant role names (src/policy/relevant-roles-of.ts: the bundle's own declaration by default,
 * or `policy.relevantRoles`). With `policy.relevantRoles` the raw role claims are left out as well;
 * a bundle's declaration narrows `roles` only, since its policy may read raw claims such as
 * `groups` (the sample policy maps groups to roles). Why: the policy's input is serialised into
 * Wasm on every evaluation, and its cost grows with the input (measured: 10 roles 4 µs, 30,000
 * roles 3.2 ms); a policy needs the few roles that can grant this service's routes, not the 30,000
 * a user holds. The narrowed list is memoised per shared (interned, frozen) role list and bundle, and the
 * narrowed subject in the memo of a cached subject (src/lib/memo-slot.ts), so a subject whose claims come
 * from the cache is filtered once per bundle, not per request.
 */
export function createSubjectFilter(roleClaims: readonly RoleClaim[]): SubjectFilter {
  // Per bundle: a number for the subjects' memos (a memo holding the engine itself would keep a replaced
  // bundle's Wasm instance alive), and its narrowed role lists, which are few (src/claims/intern-roles.ts):
  // a WeakMap is fine for them, unlike one entry per subject.
  const perEngine = new WeakMap<PolicyEngine, { id: number; lists: WeakMap<readonly string[], readonly string[]> }>();
  let engines = 0;
  return (subject, engine) => {
    const relevant = engine.relevantRoles;
    if (relevant === undefined) return subject;
    let of = perEngine.get(engine);
    if (of === undefined) perEngine.set(engine, (of = { id: ++engines, lists: new WeakMap() }));
    const memo = subjectMemoOf(subject);
    if (memo !== undefined && memo.narrowedFor === of.id) return memo.narrowed as Subject;
    const lists = of.lists;
    let roles = lists.get(subject.roles);
    if (roles === undefined) {
      roles = Object.freeze(subject.roles.filter((r) => relevant.has(r)));
      if (Object.isFrozen(subject.roles)) lists.set(subject.roles, roles);
    }
    let out: Record<string, unknown> = { ...subject };
    if (engine.relevantRolesSource?.kind === 'configured') {
      for (const rc of roleClaims) out = without(out, Object.hasOwn(out, rc.path) ? [rc.path] : rc.segments);
    }
    const fields = { ...out, sub: subject.sub, iss: subject.iss, roles };
    if (memo === undefined) return Object.freeze(fields) as Subject;
    // A bundle reload narrows again for the new engine; the subject keeps only its latest narrowing.
    const narrowed = freezeWithMemo(fields, new SerialMemo()) as Subject;
    memo.narrowedFor = of.id;
    memo.narrowed = narrowed;
    return narrowed;
  };
}

/** A copy of `obj` without the member at `path`, copying only the objects along the path. */
function without(obj: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(obj, head)) return obj;
  const { [head]: child, ...others } = obj;
  if (rest.length === 0) return others;
  if (child === null || typeof child !== 'object' || Array.isArray(child)) return obj;
  return { ...others, [head]: without(child as Record<string, unknown>, rest) };
}
