import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SidecarError } from '../errors/sidecar-error.ts';
import { loadBundle } from '../policy/load-bundle.ts';
import { interpret } from '../policy/policy-engine.ts';
import { createBundleVerifier } from '../policy/verify-bundle-signature.ts';
import { normalizeRequest } from '../request/normalize-request.ts';
import { buildInput } from '../decision/build-input.ts';
import { redactInput } from '../request/redact-input.ts';
import { discoverIssuer } from '../token/discover-issuer.ts';
import type { Subject } from '../claims/enrich-claims.ts';
import { readRoles } from '../claims/role-claims.ts';
import { createIdentity } from '../decision/identity.ts';
import { loadSettings, type Settings } from '../runtime/settings.ts';
import { silentLog } from '../lib/process-log.ts';

const CHECK_HELP = `Usage: authz-sidecar check [options]

Evaluates a token or an input document against a bundle locally (no sidecar needed) and prints
the decision, the policy's reasons and the input document the policy saw (secrets redacted).

What is evaluated:
  --token <jwt> | --token-file <file>
        a bearer token: verified against the issuer (AUTHZ_ISSUER or --config: discovery, JWKS)
        and enriched from userinfo exactly as the sidecar does, then combined with the request
        given by --method and --path (and --resource, --action, --context) into the input
  --unverified
        with --token: decode the token WITHOUT verifying it (roles from the token only); for
        writing policies offline, never for deciding anything real
  --input <file | ->
        a whole input document (JSON); with a token too, input.subject is replaced by the
        token's subject, as the Data API does

Options:
  -b, --bundle <file>      bundle to evaluate (default: policy.bundle, bundles/authz.tar.gz)
  -e, --entrypoint <path>  entrypoint (default: policy.entrypoint, authz/decision)
  -m, --method <method>    request method (default GET)
  -p, --path <path>        request path, e.g. /api/orders/1?expand=items
      --resource <json>    input.resource
      --action <string>    input.action
      --context <json>     input.context
  -c, --config <file>      sidecar configuration (issuer, claims, signing key, bundle)
      --json               print one JSON object instead of text
  -h, --help               show this help

A signed bundle is verified with policy.signing.* from the configuration, as the sidecar does.
Exit status: 0 allow, 1 deny, 2 usage or configuration error, 3 could not evaluate (bundle
refused, token invalid, policy error).

Example:
  authz-sidecar check --token "$(npx authz-sidecar demo token bob)" -m DELETE -p /api/orders/1
  authz-sidecar check --input request.json --json`;

const CHECK_OPTIONS = {
  token: { type: 'string' },
  'token-file': { type: 'string' },
  unverified: { type: 'boolean' },
  input: { type: 'string' },
  bundle: { type: 'string', short: 'b' },
  entrypoint: { type: 'string', short: 'e' },
  method: { type: 'string', short: 'm' },
  path: { type: 'string', short: 'p' },
  resource: { type: 'string' },
  action: { type: 'string' },
  context: { type: 'string' },
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const PLACEHOLDER_ISSUER = 'https://issuer.not-configured.invalid';

/** `authz-sidecar check`: resolves to the exit status. */
export async function runCheck(argv: readonly string[], out = process.stdout, err = process.stderr): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: CHECK_OPTIONS,
    }));
  } catch (e) {
    err.write(`authz-sidecar check: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    out.write(`${CHECK_HELP}\n`);
    return 0;
  }
  const usage = (msg: string): number => {
    err.write(`authz-sidecar check: ${msg} (see --help)\n`);
    return 2;
  };
  let token = values.token;
  if (values['token-file'] !== undefined) token = readFileSync(values['token-file'], 'utf8').trim();
  if (token === undefined && values.input === undefined) return usage('give --token, --token-file or --input');
  if (values.unverified && token === undefined) return usage('--unverified needs a token');

  let settings: Settings;
  try {
    const verifying = token !== undefined && !values.unverified;
    settings = loadSettings({ file: values.config, base: verifying ? {} : { issuer: PLACEHOLDER_ISSUER } });
  } catch (e) {
    if (e instanceof SidecarError && e.code === 'config_error') {
      err.write(`authz-sidecar check: invalid configuration: ${e.message}${/issuer/.test(e.message) ? ' (verifying a token needs the issuer; or use --unverified)' : ''}\n`);
      return 2;
    }
    throw e;
  }
  const config = settings.config;
  const bundlePath = values.bundle ?? config.policy.bundle;
  const entrypoint = values.entrypoint ?? config.policy.entrypoint;

  try {
    const verifier = config.policy.signing.keyFile ? createBundleVerifier({ ...config.policy.signing, keyFile: config.policy.signing.keyFile }) : undefined;
    const engine = await loadBundle(readFileSync(bundlePath), { ...config.policy, entrypoint, verifier });
    const subject = token === undefined ? undefined : values.unverified ? unverifiedSubject(token, settings) : await verifiedSubject(token, settings);
    let input: unknown;
    if (values.input !== undefined) {
      input = JSON.parse(readFileSync(values.input === '-' ? 0 : values.input, 'utf8'));
      if (subject) {
        if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new SidecarError('invalid_request', 'with a token, the input document must be an object');
        input = { ...(input as object), subject };
      }
    } else {
      input = buildInput(subject!, normalizeRequest(values.method ?? 'GET', values.path ?? '/'), {
        resource: values.resource === undefined ? undefined : JSON.parse(values.resource),
        action: values.action,
        context: values.context === undefined ? undefined : JSON.parse(values.context),
      });
    }
    const result = engine.evaluate(input, entrypoint);
    const decision = interpret(result);
    out.write(report({ decision, result, bundlePath, revision: engine.revision, entrypoint, unverified: values.unverified === true, input: redactInput(input) }, values.json === true));
    return decision.allow ? 0 : 1;
  } catch (e) {
    err.write(`authz-sidecar check: ${e instanceof SidecarError ? `${e.code}: ` : ''}${(e as Error).message}\n`);
    return e instanceof SidecarError && e.code === 'config_error' ? 2 : 3;
  }
}

interface CheckReport {
  readonly decision: ReturnType<typeof interpret>;
  readonly result: unknown;
  readonly bundlePath: string;
  readonly revision: string;
  readonly entrypoint: string;
  readonly unverified: boolean;
  /** Redacted. */
  readonly input: unknown;
}

/** The decision as one JSON line (`--json`) or as text for a reader. */
function report(r: CheckReport, json: boolean): string {
  const { decision, result } = r;
  if (json) {
    return `${JSON.stringify({ allow: decision.allow, reasons: decision.reasons ?? [], result: result ?? null, bundle: r.bundlePath, revision: r.revision, entrypoint: r.entrypoint, unverified: r.unverified, input: r.input })}\n`;
  }
  return [
    ...(r.unverified ? ['WARNING: the token was NOT verified (--unverified)'] : []),
    `decision:   ${decision.allow ? 'allow' : 'deny'}`,
    `reasons:    ${decision.reasons?.length ? decision.reasons.map((x, i) => (i ? `            - ${x}` : `- ${x}`)).join('\n') : '(none)'}`,
    `result:     ${JSON.stringify(result ?? null)}`,
    `bundle:     ${r.bundlePath} (revision ${r.revision || 'none'})`,
    `entrypoint: ${r.entrypoint}`,
    'input:',
    JSON.stringify(r.input, null, 2),
    '',
  ].join('\n');
}

async function verifiedSubject(token: string, settings: Settings): Promise<Subject> {
  const meta = await discoverIssuer(settings.config.issuer, settings.config.discovery.timeoutMs);
  const identity = createIdentity({ config: settings.config, claims: settings.claims, issuer: { metadata: meta, onDiscovered: (f) => f(meta) }, log: silentLog });
  await identity.start();
  try {
    return (await identity.enrich(token, await identity.verify(token))).subject;
  } finally {
    await identity.stop();
  }
}

function unverifiedSubject(token: string, settings: Settings): Subject {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SidecarError('invalid_token', 'the token payload is not base64url JSON');
  }
  return { ...payload, sub: String(payload['sub'] ?? ''), iss: String(payload['iss'] ?? ''), roles: readRoles(payload, settings.claims.roleClaims) ?? [] };
}
