import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ROOT, tempDir } from '../../helpers/bundles.ts';
import { freePort, spawnUntil, type Child } from './processes.ts';

/** The committed template that docker-compose.yml mounts into the official nginx image. */
export const NGINX_TEMPLATE = join(ROOT, 'deploy/nginx/authz.conf');

/**
 * Fills in `${NAME}` placeholders the way the nginx image's envsubst does for defined variables,
 * and refuses a template that still has one afterwards (nginx variables like $request_uri stay).
 */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  const out = template.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (whole, name: string) => vars[name] ?? whole);
  const left = /\$\{[A-Z][A-Z0-9_]*\}/.exec(out);
  if (left) throw new Error(`template placeholder ${left[0]} has no value`);
  return out;
}

/** The nginx binary: `NGINX` if set, else the Debian package's /usr/sbin/nginx, else nginx on PATH. */
export function findNginx(): string | undefined {
  if (process.env['NGINX']) return process.env['NGINX'];
  if (existsSync('/usr/sbin/nginx')) return '/usr/sbin/nginx';
  const r = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface RunningNginx extends Child {
  readonly url: string;
  readonly dir: string;
}

/**
 * Runs nginx in the foreground as the current user, with everything (config, pid, logs, temp
 * files) in a fresh temp dir, serving the rendered template on a free 127.0.0.1 port.
 */
export async function startNginx(nginx: string, vars: { AUTHZ_SIDECAR_URL: string; UPSTREAM_URL: string }): Promise<RunningNginx> {
  const dir = tempDir('authz-e2e-nginx-');
  const port = await freePort();
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(
    join(dir, 'conf.d/authz.conf'),
    renderTemplate(readFileSync(NGINX_TEMPLATE, 'utf8'), { NGINX_LISTEN: `127.0.0.1:${port}`, ...vars }),
  );
  // Started as root, nginx would switch its workers to `nobody`, which cannot use this temp dir:
  // keep them on the current user. (Not root: the directive is ignored, so leave it out.)
  const user = process.getuid?.() === 0 ? `user ${userInfo().username} ${execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim()};\n` : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${user}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 64; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/conf.d/authz.conf;
}
`,
  );
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
  const check = spawnSync(nginx, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`);
  // nginx prints nothing when it is up: wait for the port, polling from here.
  const { child } = await spawnUntil('nginx', nginx, args, { timeoutMs: 5_000 });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while ((await fetch(url).then(() => true, () => false)) === false) {
    if (Date.now() > deadline || child.process.exitCode !== null) {
      await child.stop();
      throw new Error(`nginx did not answer on ${url}:\n${child.output()}\n${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // nginx: SIGTERM is a fast shutdown, SIGQUIT a graceful one; either is fine for a test.
  return { ...child, url, dir };
}
