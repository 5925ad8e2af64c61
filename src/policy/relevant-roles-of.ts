import { SidecarError } from '../errors/sidecar-error.ts';

/** `policy.relevantRoles` set to this: the policy sees every role, whatever the bundle declares. */
export const EVERY_ROLE = '*';

/** Where a bundle declares its relevant roles, under the decision entrypoint's package. */
export const DECLARED_AT = 'authz_sidecar/relevant_roles';

/**
 * The roles a policy can grant on, and where that list came from. `declared`: the bundle's own
 * `data.<package>.authz_sidecar.relevant_roles`, used by default; `configured`: the data path in
 * `policy.relevantRoles`, which also drops the raw role claims (src/decision/relevant-roles.ts).
 */
export interface RelevantRoles {
  readonly names: ReadonlySet<string>;
  /** The data path read, as `data.a.b.c`; logged with each decision (decision_logs: `roles_filter`). */
  readonly from: string;
  readonly kind: 'declared' | 'configured';
}

/**
 * Resolves the relevant roles of a bundle: the configured data path when `policy.relevantRoles` is
 * set (`*`: none, every role is seen), else the bundle's declaration under the entrypoint's package
 * (`authz/decision` → `data.authz.authz_sidecar.relevant_roles`), else undefined (every role is seen).
 * Why a default: the input is serialised into Wasm on every evaluation and its size is the
 * policy's cost (docs/architecture.md), and only the bundle's author knows which roles can grant.
 * A declaration that is not a list of strings (or an object, by its keys) refuses the bundle: a
 * typo must not silently widen or empty what the policy sees.
 */
export function relevantRolesOf(data: unknown, entrypoint: string, configured: string | undefined): RelevantRoles | undefined {
  if (configured === EVERY_ROLE) return undefined;
  if (configured !== undefined) {
    const names = roleNamesAt(data, configured);
    if (names === undefined) throw refused(`policy.relevantRoles names ${dotted(configured)}, which this bundle does not have as an object or array`);
    return { names, from: dotted(configured), kind: 'configured' };
  }
  const pkg = entrypoint.split('/').slice(0, -1).join('/');
  const path = pkg === '' ? DECLARED_AT : `${pkg}/${DECLARED_AT}`;
  const found = valueAt(data, path);
  if (found === undefined) return undefined;
  const names = roleNamesAt(data, path);
  if (names === undefined || (Array.isArray(found) && found.some((r) => typeof r !== 'string'))) {
    throw refused(`${dotted(path)} must be a list of role names (or an object whose keys are role names)`);
  }
  return { names, from: dotted(path), kind: 'declared' };
}

function dotted(path: string): string {
  return `data.${path.split(/[/.]/).filter(Boolean).join('.')}`;
}

function refused(message: string): SidecarError {
  return new SidecarError('bundle_error', message, { expose: true });
}

function valueAt(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split(/[/.]/).filter(Boolean)) {
    cur = cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, part) ? (cur as Record<string, unknown>)[part] : undefined;
  }
  return cur;
}

/** The role names at a data path: an object's keys or an array's strings; undefined when neither is there. */
function roleNamesAt(data: unknown, path: string): ReadonlySet<string> | undefined {
  const cur = valueAt(data, path);
  if (Array.isArray(cur)) return new Set(cur.filter((r): r is string => typeof r === 'string'));
  if (cur !== null && typeof cur === 'object') return new Set(Object.keys(cur));
  return undefined;
}
