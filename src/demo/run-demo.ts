import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../config/load-config.ts';
import { createSidecar, type Sidecar } from '../main.ts';
import { createProcessLog } from '../lib/process-log.ts';
import { startDemoIdp, type DemoIdp } from './demo-idp.ts';
import { DEMO_AUDIENCE, DEMO_IDP_PORT, DEMO_USERS } from './demo-users.ts';

export interface RunningDemo {
  readonly idp: DemoIdp;
  readonly sidecar: Sidecar;
  readonly url: string;
  stop(): Promise<void>;
}

export const DEMO_DECISION_LOG = '.demo/decisions.log';

/**
 * The embedded default: a loopback IdP with the demo users, the sample bundle, and the sidecar
 * configured against them. Environment overrides (AUTHZ_LISTEN, AUTHZ_BUNDLE, ...) still apply.
 */
export async function runDemo(options: { idpPort?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunningDemo> {
  const env = options.env ?? process.env;
  const idp = await startDemoIdp({ port: options.idpPort ?? (Number(env['AUTHZ_DEMO_IDP_PORT']) || DEMO_IDP_PORT) });
  try {
    const config = loadConfig({
      env,
      base: { issuer: idp.issuer, audience: [DEMO_AUDIENCE], 'decisionLog.target': DEMO_DECISION_LOG },
    });
    if (!existsSync(config.policy.bundle)) {
      throw new Error(`the demo bundle ${config.policy.bundle} is missing: run \`npm run build:policies\` (npm start does it for you)`);
    }
    if (config.decisionLog.target !== 'stdout') mkdirSync(dirname(resolve(config.decisionLog.target)), { recursive: true });
    const sidecar = createSidecar(config, createProcessLog(config.log.level));
    const { url } = await sidecar.start();
    await sidecar.whenReady();
    return {
      idp,
      sidecar,
      url,
      async stop() {
        await sidecar.stop();
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
    `  sidecar            ${demo.url}  (POST /authorize, /forward-auth, /v1/data/..., /v1/status, /health, /ready)`,
    `  policy bundle      ${bundle}`,
    `  decision log       ${decisionLog}`,
    '',
    'Try it (in another terminal, in this folder):',
    authorize('alice', 'DELETE', '/api/orders/1') + '    # allow: admin',
    authorize('bob', 'DELETE', '/api/orders/1') + '    # deny: orders-viewer may only GET',
    authorize('bob', 'GET', '/api/orders/1') + '    # allow',
    `  npx authz-sidecar demo token carol | wc -c    # 5,000 roles, yet the token stays small: roles come from userinfo`,
    `  curl -s -X POST ${demo.url}/authorize -H 'Authorization: Bearer not.a.jwt' -H 'content-type: application/json' -d '{"method":"GET","path":"/"}'    # 401`,
    `  curl -s -X POST ${demo.url}/v1/data/authz/decision -H "Authorization: Bearer $(npx authz-sidecar demo token bob)" \\\n       -H 'content-type: application/json' -d '{"input":{"request":{"method":"GET","path":"/api/orders/1"}}}'    # OPA Data API`,
    '',
    'Ctrl-C stops the demo.',
    '',
  ].join('\n');
}
