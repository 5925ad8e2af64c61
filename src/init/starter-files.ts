/**
 * The files `authz-sidecar init` writes: a configuration file, and a policy folder with the sample policy
 * (rego/authz/policy.rego, copied as is), its data built from the service's routes, and `opa test` tests
 * derived from the same routes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { grantMatches, roleGrants, type RouteGrant } from './parse-routes.ts';

export interface StarterAnswers {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly roleClaims: readonly string[];
  readonly enrich?: 'never';
  readonly routes: readonly RouteGrant[];
  /** The IdP preset, named in the config file's header. */
  readonly idpTitle: string;
}

/** Relative to the output folder; the configuration's paths are relative to it too. */
export const CONFIG_FILE = 'authz-sidecar.yaml';
export const POLICY_DIR = 'policy/authz';
export const BUNDLE_FILE = 'bundles/authz.tar.gz';

/** File path (relative to the output folder) → content. */
export function starterFiles(answers: StarterAnswers, packageRoot: string): Map<string, string> {
  const files = new Map<string, string>();
  files.set(CONFIG_FILE, configFile(answers));
  files.set(`${POLICY_DIR}/policy.rego`, readFileSync(join(packageRoot, 'rego/authz/policy.rego'), 'utf8'));
  files.set(`${POLICY_DIR}/data.json`, dataJson(answers.routes));
  files.set(`${POLICY_DIR}/policy_test.rego`, policyTests(answers.routes));
  return files;
}

/** data.json laid out as rego/authz/data.json is: one grant per line. */
function dataJson(routes: readonly RouteGrant[]): string {
  const roles = Object.entries(roleGrants(routes)).map(
    ([role, grants]) => `    ${JSON.stringify(role)}: [\n${grants.map((g) => `      {"methods": [${g.methods.map((m) => JSON.stringify(m)).join(', ')}], "path": ${JSON.stringify(g.path)}}`).join(',\n')}\n    ]`,
  );
  // authz_sidecar.relevant_roles: the roles the sidecar hands the policy (src/policy/relevant-roles-of.ts); the
  // granting roles, as the sample policy's test requires.
  const relevant = Object.keys(roleGrants(routes)).map((r) => JSON.stringify(r)).join(', ');
  return `{\n  "role_grants": {\n${roles.join(',\n')}\n  },\n  "group_roles": {},\n  "authz_sidecar": {\n    "relevant_roles": [${relevant}]\n  }\n}\n`;
}

function configFile(a: StarterAnswers): string {
  const config = {
    issuer: a.issuer,
    ...(a.audience.length > 0 ? { audience: [...a.audience] } : {}),
    claims: { roleClaims: [...a.roleClaims], ...(a.enrich ? { enrich: a.enrich } : {}) },
    policy: { bundle: BUNDLE_FILE, entrypoint: 'authz/decision' },
  };
  return [
    `# authz-sidecar configuration for ${a.idpTitle}, written by \`authz-sidecar init\`.`,
    '# Paths are relative to the folder the sidecar is started in (this one). Every key: docs/configuration.md.',
    stringify(config, { lineWidth: 0 }),
  ].join('\n');
}

/** A request path a grant covers: its own path, or one segment below a `/**` pattern. */
function samplePath(path: string): string {
  return path.endsWith('/**') ? `${path.slice(0, -3)}/example` : path;
}

function allowedBy(routes: readonly RouteGrant[], roles: readonly string[], method: string, path: string): boolean {
  return routes.some((r) => roles.includes(r.role) && grantMatches(r, method, path));
}

/**
 * For each route: its role is allowed, no role is denied, and (where no other route of that role allows it) a
 * method it does not list and the path just beside a `/**` prefix are denied. Expectations are computed
 * with the policy's own matching rules (grantMatches), so a test never contradicts another route.
 */
function policyTests(routes: readonly RouteGrant[]): string {
  const q = (s: string) => JSON.stringify(s);
  const out = [
    'package authz_test',
    '',
    'import data.authz',
    '',
    '# Written by `authz-sidecar init` from the routes you gave; add your own cases. Run: opa test policy/ -v',
    '',
    'with_roles(roles, method, path) := {',
    '\t"subject": {"sub": "tester", "roles": roles},',
    '\t"request": {"method": method, "path": path, "segments": [s | some s in split(trim_prefix(path, "/"), "/")], "query": {}},',
    '}',
  ];
  routes.forEach((r, i) => {
    const name = `route_${i + 1}_${r.role.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase()}`;
    const method = r.methods[0] === '*' ? 'GET' : r.methods[0]!;
    const path = samplePath(r.path);
    const lines = [
      `\tauthz.allow with input as with_roles([${q(r.role)}], ${q(method)}, ${q(path)})`,
      `\tnot authz.allow with input as with_roles([], ${q(method)}, ${q(path)})`,
    ];
    const other = ['DELETE', 'POST', 'PUT', 'PATCH', 'GET'].find((m) => !r.methods.includes('*') && !r.methods.includes(m));
    if (other && !allowedBy(routes, [r.role], other, path)) {
      lines.push(`\tnot authz.allow with input as with_roles([${q(r.role)}], ${q(other)}, ${q(path)})`);
    }
    const beside = r.path.endsWith('/**') && r.path !== '/**' ? `${r.path.slice(0, -3)}X` : undefined;
    if (beside && !allowedBy(routes, [r.role], method, beside)) {
      lines.push(`\tnot authz.allow with input as with_roles([${q(r.role)}], ${q(method)}, ${q(beside)})`);
    }
    out.push('', `# ${r.methods.join(',')} ${r.path} for role ${r.role}`, `test_${name} if {`, ...lines, '}');
  });
  out.push('', 'test_unknown_role_denied if {', `\tnot authz.allow with input as with_roles(["no-such-role"], "GET", ${q(samplePath(routes[0]?.path ?? '/'))})`, '}');
  // The sidecar hands the policy only the roles in authz_sidecar.relevant_roles: one missing there never grants.
  out.push(
    '',
    '# data.authz.authz_sidecar.relevant_roles: the sidecar passes only these roles to the policy; list every granting role.',
    'test_relevant_roles_cover_every_granting_role if {',
    '\tevery role, _ in authz.role_grants {',
    '\t\trole in object.get(authz, ["authz_sidecar", "relevant_roles"], [])',
    '\t}',
    '}',
    '',
  );
  return out.join('\n');
}
