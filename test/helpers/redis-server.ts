import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Debian's redis-server (scripts/install-redis.sh installs it). */
export const REDIS_SERVER = process.env['REDIS_SERVER'] ?? (spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || '/usr/bin/redis-server');

/** Outside CI a missing redis-server skips the shared-tier tests; under CI it fails them. */
export const skipWithoutRedis: string | false =
  existsSync(REDIS_SERVER) || process.env['CI'] ? false : `${REDIS_SERVER} is not installed: run 'bash scripts/install-redis.sh' as root (apt-get install redis-server)`;

export interface TestRedis {
  /** `redis://default:<password>@127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** A client of the test's own, for rewriting and inspecting entries as another party would. */
  readonly admin: Redis;
  /** SIGKILL: the server is gone, connections drop. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server holds connections but answers nothing. */
  pause(): void;
  resume(): void;
  /** Starts a new server on the same port (after kill()). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** A real redis-server on a free loopback port, with a password, no persistence, in a temporary directory. */
export async function startTestRedis(password = 'test-redis-password-0123456789'): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'authz-redis-'));
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const p = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--requirepass', password], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      p.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      p.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${out}`));
      });
    });
    p.stdout!.resume();
    p.stderr!.resume();
  };
  const exited = (): Promise<void> => new Promise((resolve) => (proc === undefined || proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
  await launch();
  const url = `redis://default:${password}@127.0.0.1:${port}`;
  const admin = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  admin.on('error', () => undefined);
  return {
    url,
    port,
    admin,
    async kill() {
      proc?.kill('SIGCONT');
      proc?.kill('SIGKILL');
      await exited();
    },
    pause: () => void proc?.kill('SIGSTOP'),
    resume: () => void proc?.kill('SIGCONT'),
    restart: launch,
    async stop() {
      admin.disconnect();
      proc?.kill('SIGCONT');
      proc?.kill('SIGKILL');
      await exited();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
