// Global setup of the end-to-end suite (node --test --test-global-setup): starts one Keycloak for
// every *.e2e.ts file and stops it at the end. With KEYCLOAK_URL set, it reuses that Keycloak
// (it must serve the authz-demo realm of scripts/keycloak/realm-authz.json) and stops nothing.
//
// Keycloak runs through scripts/keycloak/start.sh on a free loopback port, with its PID file and
// log in a temp dir (KEYCLOAK_PIDFILE / KEYCLOAK_LOG, unless the caller set them), so it never
// touches another Keycloak started from the same .tools/ (for example one on port 8080).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';
import { freePort } from './helpers/processes.ts';

const say = (msg: string) => process.stderr.write(`e2e: ${msg}\n`);
let started: { env: NodeJS.ProcessEnv } | undefined;

export async function globalSetup(): Promise<void> {
  if (process.env['KEYCLOAK_URL']) {
    const discovery = `${process.env['KEYCLOAK_URL'].replace(/\/+$/, '')}/realms/authz-demo/.well-known/openid-configuration`;
    const res = await fetch(discovery).catch((err: Error) => ({ status: `unreachable (${err.message})` }));
    if (res.status !== 200) throw new Error(`KEYCLOAK_URL is set, but ${discovery} answered ${res.status}`);
    say(`reusing Keycloak at ${process.env['KEYCLOAK_URL']}`);
    return;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'authz-e2e-keycloak-'));
  const env = {
    ...process.env,
    KEYCLOAK_PORT: String(port),
    KEYCLOAK_PIDFILE: process.env['KEYCLOAK_PIDFILE'] ?? join(dir, 'keycloak.pid'),
    KEYCLOAK_LOG: process.env['KEYCLOAK_LOG'] ?? join(dir, 'keycloak.log'),
  };
  say(`starting Keycloak on 127.0.0.1:${port} (log ${env.KEYCLOAK_LOG})`);
  const t0 = performance.now();
  // start.sh prints its progress on stderr and waits until the realm's discovery answers.
  const r = spawnSync('bash', [join(ROOT, 'scripts/keycloak/start.sh')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/keycloak/start.sh failed (status ${r.status}); see ${env.KEYCLOAK_LOG}`);
  started = { env };
  process.env['KEYCLOAK_URL'] = `http://127.0.0.1:${port}`;
  say(`Keycloak ready in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${process.env['KEYCLOAK_URL']}`);
}

export async function globalTeardown(): Promise<void> {
  if (!started) return;
  spawnSync('bash', [join(ROOT, 'scripts/keycloak/stop.sh')], { env: started.env, stdio: ['ignore', 'ignore', 'inherit'] });
  started = undefined;
}
