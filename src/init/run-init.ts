/**
 * `authz-sidecar init`: from the demo to your own service. Asks (or takes flags, for scripts) for the
 * issuer, the audience, where the IdP puts roles and the service's routes; checks the issuer on the spot;
 * writes a configuration file and a starter policy folder with data and `opa test` tests; prints the
 * commands to test, build and run.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { loadSettings } from '../runtime/settings.ts';
import { createAsker, type Asker } from './ask.ts';
import { checkIdp } from './check-idp.ts';
import { IDP_PRESETS, isPresetName, type IdpPreset } from './idp-presets.ts';
import { parseRoute, type RouteGrant } from './parse-routes.ts';
import { BUNDLE_FILE, CONFIG_FILE, POLICY_DIR, starterFiles } from './starter-files.ts';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const INIT_HELP = `Usage: authz-sidecar init [options]

Sets the sidecar up for your service: asks for what is missing (in a terminal), checks the issuer's
discovery document and userinfo on the spot, then writes <dir>/${CONFIG_FILE} and <dir>/${POLICY_DIR}/
(the sample policy, data.json from your routes, and opa tests), and prints the commands to run.

Options:
  --issuer <url>          the token issuer (https; http only on loopback)
  --audience <aud>        an accepted token audience (repeatable)
  --idp <name>            where roles live: keycloak, auth0, entra, okta or generic (default generic: "roles")
  --roles-claim <path>    a claim holding roles, overriding the preset (repeatable; "https://x/roles" works)
  --route "<M> <path> <role>"   a route and the role it needs (repeatable), e.g. "GET,HEAD /api/orders/** orders-viewer";
                          "*" is every method, a path ending in /** covers everything below it
  --token <jwt>           a test user's access token, to check audience and userinfo (or AUTHZ_INIT_TOKEN)
  --dir <dir>             where to write (default authz-setup)
  --force                 overwrite files that exist
  --skip-checks           write without contacting the issuer
  --non-interactive       never ask; a missing required value is an error (the default without a terminal)
  --interactive           ask even when stdin is not a terminal
  -h, --help              show this help`;

export interface InitIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly isTTY: boolean;
}

const processIo = (): InitIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, isTTY: process.stdin.isTTY === true });

/** Runs `authz-sidecar init`; resolves to the exit code (2: usage or invalid answers, 1: a check failed or a file exists). */
export async function runInit(args: readonly string[], io: InitIo = processIo()): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      issuer: { type: 'string' }, audience: { type: 'string', multiple: true }, idp: { type: 'string' },
      'roles-claim': { type: 'string', multiple: true }, route: { type: 'string', multiple: true }, token: { type: 'string' },
      dir: { type: 'string' }, force: { type: 'boolean' }, 'skip-checks': { type: 'boolean' },
      'non-interactive': { type: 'boolean' }, interactive: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout.write(`${INIT_HELP}\n`);
    return 0;
  }
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const asker = !values['non-interactive'] && (values.interactive || io.isTTY) ? createAsker(io.stdin, io.stdout) : undefined;
  try {
    const a = await gather(values, io.env, asker);
    const settings = loadSettings({
      env: {},
      base: { issuer: a.issuer, ...(a.audience.length > 0 ? { audience: a.audience } : {}), 'claims.roleClaims': a.roleClaims, ...(a.preset.enrich ? { 'claims.enrich': a.preset.enrich } : {}) },
    });
    if (!values['skip-checks']) {
      say(`Checking ${a.issuer} …`);
      const lines = await checkIdp(settings, a.token);
      for (const l of lines) say(`  ${l.level === 'ok' ? 'ok  ' : l.level === 'warn' ? 'WARN' : 'FAIL'} ${l.text}`);
      if (lines.some((l) => l.level === 'fail')) {
        io.stderr.write('init: a check failed (above); nothing was written. Fix the answer, or pass --skip-checks to write anyway.\n');
        return 1;
      }
    }
    for (const note of a.preset.notes) say(`  note (${a.preset.title}): ${note}`);
    const dir = resolve(io.cwd, values.dir ?? 'authz-setup');
    const files = starterFiles({ ...a, idpTitle: a.preset.title, ...(a.preset.enrich ? { enrich: a.preset.enrich } : {}) }, PACKAGE_ROOT);
    const existing = [...files.keys()].filter((f) => existsSync(join(dir, f)));
    if (existing.length > 0 && !values.force) {
      io.stderr.write(`init: ${existing.map((f) => join(dir, f)).join(', ')} already exist(s); pass --force to overwrite\n`);
      return 1;
    }
    for (const [file, content] of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), content);
    }
    say(nextSteps(io.cwd, dir, a.routes[0]!));
    return 0;
  } catch (err) {
    if (err instanceof TypeError || (err as { code?: string }).code === 'config_error') {
      io.stderr.write(`init: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  } finally {
    asker?.close();
  }
}

interface Answers {
  readonly issuer: string;
  readonly audience: string[];
  readonly preset: IdpPreset;
  readonly roleClaims: string[];
  readonly routes: RouteGrant[];
  readonly token: string | undefined;
}

type Flags = { issuer?: string; audience?: string[]; idp?: string; 'roles-claim'?: string[]; route?: string[]; token?: string };

/** Flags first; what is missing is asked when there is someone to ask, and is an error otherwise. */
async function gather(flags: Flags, env: NodeJS.ProcessEnv, asker: Asker | undefined): Promise<Answers> {
  const missing = (flag: string) => new TypeError(`${flag} is required (run in a terminal to be asked, or see --help)`);
  const required = (v: string) => (v ? undefined : 'required');
  const names = Object.keys(IDP_PRESETS).join(', ');

  const idpName = flags.idp ?? (await asker?.ask(`Your IdP (${names})`, { fallback: 'generic', check: (v) => (isPresetName(v) ? undefined : 'one of the names above') })) ?? 'generic';
  if (!isPresetName(idpName)) throw new TypeError(`--idp must be one of ${names}`);
  const preset = IDP_PRESETS[idpName];
  const issuer = flags.issuer ?? (await asker?.ask(`Issuer URL (for example ${preset.issuerExample})`, { check: required }));
  if (!issuer) throw missing('--issuer');
  const audience = flags.audience ?? splitList((await asker?.ask('Audience your tokens carry (aud; comma-separated, empty for none)')) ?? '');
  const roleClaims =
    flags['roles-claim'] ??
    (preset.roleClaims ? [...preset.roleClaims] : splitList((await asker?.ask(`The claim that holds roles (${preset.title}: for example https://example.com/roles)`, { check: required })) ?? ''));
  if (roleClaims.length === 0) throw missing(`--roles-claim (${preset.title} has no standard roles claim)`);
  let routes = (flags.route ?? []).map(parseRoute);
  if (routes.length === 0 && asker) {
    const question = 'Your service\'s routes as "<METHODS> <path> <role>", e.g. "GET /api/orders/** orders-viewer"';
    routes = (await asker.askMany(question, routeProblem)).map(parseRoute);
  }
  if (routes.length === 0) throw missing('--route');
  const token = flags.token ?? env['AUTHZ_INIT_TOKEN'] ?? ((await asker?.ask("A test user's access token, to check audience and userinfo (empty to skip)")) || undefined);
  return { issuer, audience, preset, roleClaims, routes, token };
}

function routeProblem(text: string): string | undefined {
  try {
    parseRoute(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function nextSteps(cwd: string, dir: string, route: RouteGrant): string {
  const rel = (p: string) => relative(cwd, p) || '.';
  const root = rel(PACKAGE_ROOT);
  const inside = !relative(PACKAGE_ROOT, dir).startsWith('..');
  const serve = inside ? 'npx authz-sidecar' : `${join(PACKAGE_ROOT, 'node_modules/.bin/node')} ${join(PACKAGE_ROOT, 'bin/authz-sidecar.js')}`;
  const method = route.methods[0] === '*' ? 'GET' : route.methods[0];
  const path = route.path.endsWith('/**') ? `${route.path.slice(0, -3)}/example` : route.path;
  return [
    '',
    `Wrote ${rel(join(dir, CONFIG_FILE))} and ${rel(join(dir, POLICY_DIR))}/ (policy.rego, data.json, policy_test.rego). Next:`,
    `  bash ${join(root, 'scripts/install-opa.sh')} && ${join(root, '.tools/bin/opa')} test ${rel(join(dir, 'policy'))} -v    # the policy's tests`,
    `  bash ${join(root, 'scripts/build-policies.sh')} ${rel(join(dir, POLICY_DIR))} ${rel(join(dir, BUNDLE_FILE))} authz    # the bundle`,
    `  cd ${rel(dir)} && ${serve} serve --config ${CONFIG_FILE}    # the sidecar on 127.0.0.1:8181`,
    `  curl -s -X POST http://127.0.0.1:8181/authorize -H "Authorization: Bearer $TOKEN" \\`,
    `       -H 'content-type: application/json' -d '{"method":"${method}","path":"${path}"}'`,
    'Edit data.json to grant more, and policy_test.rego to test it; the sidecar reloads a rebuilt bundle by itself.',
  ].join('\n');
}
