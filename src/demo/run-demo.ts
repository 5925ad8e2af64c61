import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { loadSettings } from '../runtime/settings.ts';
import { createRuntime, type Runtime } from '../runtime/runtime.ts';
import { createProcessLog } from '../lib/process-log.ts';
import { startDemoIdp, type DemoIdp } from './demo-idp.ts';
import { DEMO_AUDIENCE, DEMO_IDP_PORT, DEMO_USERS } from './demo-users.ts';
import { DEMO_DECISION_LOG } from './demo-users.ts';

export interface RunningDemo {
  readonly idp: DemoIdp;
  readonly runtime: Runtime;
  readonly url: string;
  /** Public key of the decision log's checkpoint signer, when the log is a file. */
  readonly checkpointPublicKey?: string;
  stop(): Promise<void>;
}

export { DEMO_DECISION_LOG };

/**
 * The embedded default: a loopback IdP with the demo users, the sample bundle, and the sidecar
 * configured against them. Environment overrides (AUTHZ_LISTEN, AUTHZ_BUNDLE, ...) still apply.
 */
export async function runDemo(options: { idpPort?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunningDemo> {
  const env = options.env ?? process.env;
  const idp = await startDemoIdp({ port: options.idpPort ?? (Number(env['AUTHZ_DEMO_IDP_PORT']) || DEMO_IDP_PORT) });
  try {
    // AuthZEN on, answered by the sample policy's route mapping (rego/authz/authzen.rego).
    const base = {
      issuer: idp.issuer,
      audience: [DEMO_AUDIENCE],
      'decisionLog.target': DEMO_DECISION_LOG,
      'authzen.enabled': true,
      'authzen.entrypoint': 'authz/authzen/evaluation',
    };
    let settings = loadSettings({ env, base });
    const config = settings.config;
    if (!existsSync(config.policy.bundle)) {
      throw new Error(`the demo bundle ${config.policy.bundle} is missing: run \`npm run build:policies\` (npm start does it for you)`);
    }
    let checkpointPublicKey: string | undefined;
    const target = config.decisionLog.target;
    if (target !== 'stdout' && target !== 'none') {
      const dir = dirname(resolve(target));
      mkdirSync(dir, { recursive: true });
      if (!config.decisionLog.checkpoint.keyFile) {
        // The demo signs checkpoints too, so `audit verify --key` can show that cutting the log is caught.
        const keys = ensureDemoCheckpointKey(dir);
        checkpointPublicKey = keys.publicKey;
        settings = loadSettings({ env, base: { ...base, 'decisionLog.checkpoint.keyFile': keys.privateKey } });
      }
    }
    const runtime = createRuntime(settings, createProcessLog(config.log.level));
    const { url } = await runtime.start();
    await runtime.whenReady();
    return {
      idp,
      runtime,
      url,
      ...(checkpointPublicKey ? { checkpointPublicKey } : {}),
      async stop() {
        await runtime.stop();
        await idp.stop();
      },
    };
  } catch (err) {
    await idp.stop();
    throw err;
  }
}

export function demoBanner(demo: RunningDemo, bundle: string, decisionLog: string): string {
  const users = Object.entries(DEMO_USERS)
    .map(([name, u]) => `${name} (${u.roles.length > 3 ? `${u.roles.length} roles` : `roles: ${u.roles.join(', ')}`})`)
    .join(', ');
  const authorize = (user: string, method: string, path: string) =>
    `  curl -s -X POST ${demo.url}/authorize -H "Authorization: Bearer $(npx authz-sidecar demo token ${user})" \\\n       -H 'content-type: application/json' -d '{"method":"${method}","path":"${path}"}'`;
  return [
    '',
    'authz-sidecar demo is running',
    `  identity provider  ${demo.idp.issuer}  (oauth2-mock-server; users ${users})`,
    `  sidecar            ${demo.url}  (POST /authorize, /forward-auth, /v1/data/..., AuthZEN /access/v1/..., /v1/status, /health, /ready)`,
    `  policy bundle      ${bundle}`,
    `  decision log       ${decisionLog}  (hash-chained${demo.checkpointPublicKey ? ', checkpoints signed' : ''})`,
    '',
    'Try it (in another terminal, in this folder):',
    authorize('alice', 'DELETE', '/api/orders/1') + '    # allow: admin',
    authorize('bob', 'DELETE', '/api/orders/1') + '    # deny: orders-viewer may only GET',
    authorize('bob', 'GET', '/api/orders/1') + '    # allow',
    `  npx authz-sidecar demo token carol | wc -c    # 5,000 roles, yet the token stays small: roles come from userinfo`,
    `  curl -s -X POST ${demo.url}/authorize -H 'Authorization: Bearer not.a.jwt' -H 'content-type: application/json' -d '{"method":"GET","path":"/"}'    # 401`,
    `  curl -s ${demo.url}/.well-known/authzen-configuration    # AuthZEN (docs/authzen.md)`,
    `  curl -s -X POST ${demo.url}/access/v1/evaluation -H "Authorization: Bearer $(npx authz-sidecar demo token bob)" -H 'content-type: application/json' \\\n       -d '{"subject":{"type":"user","id":"bob"},"action":{"name":"GET"},"resource":{"type":"route","id":"/api/orders/1"}}'`,
    `  curl -s -X POST ${demo.url}/v1/data/authz/decision -H "Authorization: Bearer $(npx authz-sidecar demo token bob)" \\\n       -H 'content-type: application/json' -d '{"input":{"request":{"method":"GET","path":"/api/orders/1"}}}'    # OPA Data API`,
    ...(decisionLog === 'stdout' || decisionLog === 'none'
      ? []
      : [
          '',
          'Audit the decision log:',
          `  npx authz-sidecar audit verify${demo.checkpointPublicKey ? ` --key ${demo.checkpointPublicKey}` : ''} ${decisionLog}*    # tamper evidence`,
          `  npx authz-sidecar audit stats ${decisionLog}*`,
          `  npx authz-sidecar audit query --result deny ${decisionLog}*`,
          `  npx authz-sidecar audit replay --bundle bundles/authz.tar.gz ${decisionLog}*    # what a new bundle would change`,
        ]),
    '',
    'Ctrl-C stops the demo.',
    '',
  ].join('\n');
}

/** An Ed25519 key pair in `dir`, made once and kept, so checkpoints of earlier demo runs still verify. */
function ensureDemoCheckpointKey(dir: string): { privateKey: string; publicKey: string } {
  const privateKey = join(dir, 'checkpoint-key.pem');
  const publicKey = join(dir, 'checkpoint-public.pem');
  if (!existsSync(privateKey) || !existsSync(publicKey)) {
    const pair = generateKeyPairSync('ed25519');
    writeFileSync(privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return { privateKey: relative(process.cwd(), privateKey) || privateKey, publicKey: relative(process.cwd(), publicKey) || publicKey };
}
