import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT, tempDir } from '../../helpers/bundles.ts';
import { freePort, spawnUntil, type Child } from './processes.ts';

export interface RunningProxy extends Child {
  readonly url: string;
}

export interface ProxyVars {
  readonly AUTHZ_SIDECAR_URL: string;
  readonly UPSTREAM_URL: string;
}

/** Waits until something answers HTTP at `url` (any status), or fails with the process's output. */
async function answering(child: Child, url: string, extra = ''): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await fetch(url).then(() => true, () => false)) === false) {
    if (Date.now() > deadline || child.process.exitCode !== null) {
      await child.stop();
      throw new Error(`${child.name} did not answer on ${url}:\n${child.output()}${extra}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Debian's caddy (`CADDY` if set): the caddy binary, or undefined. */
export function findCaddy(): string | undefined {
  if (process.env['CADDY']) return process.env['CADDY'];
  if (existsSync('/usr/bin/caddy')) return '/usr/bin/caddy';
  const r = spawnSync('sh', ['-c', 'command -v caddy'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Caddy with the committed deploy/caddy/Caddyfile, its placeholders from the environment, on a free port. */
export async function startCaddy(caddy: string, vars: ProxyVars): Promise<RunningProxy> {
  const port = await freePort();
  const dir = tempDir('authz-e2e-caddy-');
  const env = { PATH: process.env['PATH'] ?? '', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, CADDY_LISTEN: `127.0.0.1:${port}`, ...vars };
  const config = join(ROOT, 'deploy/caddy/Caddyfile');
  const check = spawnSync(caddy, ['validate', '--adapter', 'caddyfile', '--config', config], { env, encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`caddy validate failed:\n${check.stderr}`);
  const { child } = await spawnUntil('caddy', caddy, ['run', '--adapter', 'caddyfile', '--config', config], { env, timeoutMs: 10_000 });
  const url = `http://127.0.0.1:${port}`;
  await answering(child, url);
  return { ...child, url };
}

/** Traefik (`TRAEFIK`, else scripts/install-traefik.sh's build): the binary, or undefined when it cannot be built here. */
export function findTraefik(): string | undefined {
  if (process.env['TRAEFIK']) return process.env['TRAEFIK'];
  const r = spawnSync('bash', [join(ROOT, 'scripts/install-traefik.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Traefik with the committed deploy/traefik/traefik.yml (its entry point moved to a free port,
 * its file provider pointed at the committed dynamic.yml) and the sidecar and service URLs in the
 * environment, which dynamic.yml's templates read.
 */
export async function startTraefik(traefik: string, vars: ProxyVars): Promise<RunningProxy> {
  const port = await freePort();
  const dir = tempDir('authz-e2e-traefik-');
  const staticConfig = parse(readFileSync(join(ROOT, 'deploy/traefik/traefik.yml'), 'utf8')) as any;
  staticConfig.entryPoints.web.address = `127.0.0.1:${port}`;
  staticConfig.providers.file.filename = join(ROOT, staticConfig.providers.file.filename);
  writeFileSync(join(dir, 'traefik.yml'), stringify(staticConfig));
  const env = { PATH: process.env['PATH'] ?? '', HOME: dir, ...vars };
  const { child } = await spawnUntil('traefik', traefik, [`--configFile=${join(dir, 'traefik.yml')}`], { env, timeoutMs: 10_000 });
  const url = `http://127.0.0.1:${port}`;
  await answering(child, url);
  // The file provider loads asynchronously: wait until the router exists (the sidecar answers, not Traefik's 404).
  const deadline = Date.now() + 20_000;
  while ((await fetch(`${url}/api/orders/1`).then((r) => r.status, () => 0)) === 404) {
    if (Date.now() > deadline) throw new Error(`traefik never loaded deploy/traefik/dynamic.yml:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...child, url };
}
