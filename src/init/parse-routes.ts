/**
 * The service's routes as `authz-sidecar init` takes them: `"<METHODS> <path> <role>"`, for example
 * `"GET,HEAD /api/orders/** orders-viewer"` or `"* /api/** admin"`. They become the sample policy's
 * `role_grants` (rego/authz/policy.rego): a path ending in `/**` covers itself and everything below it by
 * whole segments; any other path is exact.
 */
export interface RouteGrant {
  readonly methods: readonly string[];
  readonly path: string;
  readonly role: string;
}

/** Parses one route, or throws a TypeError that says what is wrong with it. */
export function parseRoute(text: string): RouteGrant {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 3) throw new TypeError(`route '${text}': expected "<METHODS> <path> <role>", for example "GET,HEAD /api/orders/** orders-viewer"`);
  const [methodList, path, role] = parts as [string, string, string];
  const methods = methodList.split(',').map((m) => (m === '*' ? m : m.toUpperCase()));
  for (const m of methods) {
    if (m !== '*' && !/^[A-Z]+$/.test(m)) throw new TypeError(`route '${text}': method '${m}' must be letters only, or *`);
  }
  if (methods.includes('*') && methods.length > 1) throw new TypeError(`route '${text}': * already means every method`);
  if (!path.startsWith('/')) throw new TypeError(`route '${text}': the path must start with /`);
  const segments = path.split('/').slice(1);
  if (segments.some((s, i) => s === '.' || s === '..' || (s.includes('*') && !(s === '**' && i === segments.length - 1)))) {
    throw new TypeError(`route '${text}': the path may end in /** and hold no other *, . or .. segment`);
  }
  if (!/^[\w.:@-]+$/.test(role)) throw new TypeError(`route '${text}': role '${role}' may hold letters, digits and . _ : @ - only`);
  return { methods, path, role };
}

/** Whether `grant` allows `method path`, with the sample policy's matching rules. */
export function grantMatches(grant: Pick<RouteGrant, 'methods' | 'path'>, method: string, path: string): boolean {
  if (!grant.methods.includes('*') && !grant.methods.includes(method)) return false;
  if (!grant.path.endsWith('/**')) return path === grant.path;
  const base = grant.path.slice(0, -3);
  return path === base || path.startsWith(`${base}/`);
}

/** The `role_grants` data of the sample policy: role → grants, in the order the routes were given. */
export function roleGrants(routes: readonly RouteGrant[]): Record<string, { methods: string[]; path: string }[]> {
  const grants: Record<string, { methods: string[]; path: string }[]> = {};
  for (const r of routes) (grants[r.role] ??= []).push({ methods: [...r.methods], path: r.path });
  return grants;
}
