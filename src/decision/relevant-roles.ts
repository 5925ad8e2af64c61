import type { Narrowing, Subject } from '../claims/enrich-claims.ts';
import type { RoleClaim } from '../claims/role-claims.ts';
import type { PolicyEngine } from '../policy/policy-engine.ts';

/**
 * Narrows a subject for the active bundle: called directly for a subject asserted without a token (AuthZEN),
 * and through `narrowing` by src/claims/enrich-claims.ts, which keeps the narrowed subject of a cached
 * verification so it is narrowed once per bundle, not per request.
 */
export interface SubjectFilter {
  (subject: Subject, engine: PolicyEngine): Subject;
  /** The narrowing for `engine`'s bundle, or undefined when it names no relevant roles (the subject is used as it is). */
  narrowing(engine: PolicyEngine): Narrowing | undefined;
}

/**
 * Narrows a subject to what the active bundle can grant on: `roles` keeps only the bundle's
 * relevant role names (src/policy/relevant-roles-of.ts: the bundle's own declaration by default,
 * or `policy.relevantRoles`). With `policy.relevantRoles` the raw role claims are left out as well;
 * a bundle's declaration narrows `roles` only, since its policy may read raw claims such as
 * `groups` (the sample policy maps groups to roles). Why: the policy's input is serialised into
 * Wasm on every evaluation, and its cost grows with the input (measured: 10 roles 4 µs, 30,000
 * roles 3.2 ms); a policy needs the few roles that can grant this service's routes, not the 30,000
 * a user holds. The narrowed list is memoised per shared (interned, frozen) role list and bundle.
 */
export function createSubjectFilter(roleClaims: readonly RoleClaim[]): SubjectFilter {
  // Per bundle: a number for the subjects' memos (a memo holding the engine itself would keep a replaced
  // bundle's Wasm instance alive), and its narrowed role lists, which are few (src/claims/intern-roles.ts):
  // a WeakMap is fine for them, unlike one entry per subject.
  const perEngine = new WeakMap<PolicyEngine, Narrowing>();
  let engines = 0;
  const narrowing = (engine: PolicyEngine): Narrowing | undefined => {
    const relevant = engine.relevantRoles;
    if (relevant === undefined) return undefined;
    let known = perEngine.get(engine);
    if (known !== undefined) return known;
    const lists = new WeakMap<readonly string[], readonly string[]>();
    const configured = engine.relevantRolesSource?.kind === 'configured';
    known = {
      id: ++engines,
      narrow(subject) {
        let roles = lists.get(subject.roles);
        if (roles === undefined) {
          roles = Object.freeze(subject.roles.filter((r) => relevant.has(r)));
          if (Object.isFrozen(subject.roles)) lists.set(subject.roles, roles);
        }
        let out: Record<string, unknown> = subject; // without() copies only what it changes
        if (configured) {
          for (const rc of roleClaims) out = without(out, Object.hasOwn(out, rc.path) ? [rc.path] : rc.segments);
        }
        return { ...out, sub: subject.sub, iss: subject.iss, roles } as Subject;
      },
    };
    perEngine.set(engine, known);
    return known;
  };
  return Object.assign((subject: Subject, engine: PolicyEngine) => {
    const n = narrowing(engine);
    return n === undefined ? subject : (Object.freeze(n.narrow(subject)) as Subject);
  }, { narrowing });
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
