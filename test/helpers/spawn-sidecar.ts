import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ROOT } from './bundles.ts';

export interface SpawnedSidecar {
  readonly child: ChildProcess;
  /** The API URL from the first "listening" line. */
  readonly url: string;
  /** Process log lines (stderr) parsed as JSON so far; non-JSON lines are kept as `{raw}`. */
  logs(): Record<string, any>[];
  stdout(): string;
  /** Everything written to stderr so far, as text. */
  stderr(): string;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  waitReady(timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  kill(): void;
}

const BIN = join(ROOT, 'bin/authz-sidecar.js');

export interface SpawnOptions {
  readonly timeoutMs?: number;
  /**
   * Runs the CLI with the whole root filesystem mounted read-only (a user and mount namespace made
   * by `unshare`), as in a container with readOnlyRootFilesystem. See canMountReadOnlyRoot().
   */
  readonly readOnlyRoot?: boolean;
  /** Working directory of the sidecar (relative paths in its configuration are relative to it). */
  readonly cwd?: string;
}

const READ_ONLY_ROOT = ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -o remount,bind,ro / && exec "$0" "$@"'];

/** True when this machine lets an unprivileged process remount / read-only in its own namespace. */
export function canMountReadOnlyRoot(): boolean {
  const r = spawnSync('unshare', [...READ_ONLY_ROOT, 'true'], { stdio: 'ignore', timeout: 5000 });
  return r.status === 0;
}

/** Runs the real CLI (`authz-sidecar serve`) as a child process with only the given environment. */
export async function spawnSidecar(args: string[], env: Record<string, string>, options: SpawnOptions = {}): Promise<SpawnedSidecar> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const argv = [process.execPath, BIN, 'serve', ...args];
  const [cmd, ...rest] = options.readOnlyRoot ? ['unshare', ...READ_ONLY_ROOT, ...argv] : argv;
  const child = spawn(cmd!, rest, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  let stderr = '';
  let stdout = '';
  let allStderr = '';
  const parsed: Record<string, any>[] = [];
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    allStderr += d.toString();
    stderr += d.toString();
    const cut = stderr.lastIndexOf('\n');
    if (cut === -1) return;
    for (const line of stderr.slice(0, cut).split('\n')) {
      if (line === '') continue;
      try {
        parsed.push(JSON.parse(line) as Record<string, any>);
      } catch {
        parsed.push({ raw: line });
      }
    }
    stderr = stderr.slice(cut + 1);
    for (const w of waiters) w();
  });
  const waitForLog = (match: (line: Record<string, any>) => boolean, ms = timeoutMs) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const check = (): boolean => {
        const hit = parsed.find(match);
        if (hit) {
          waiters.delete(probe);
          clearTimeout(timer);
          resolve(hit);
        }
        return hit !== undefined;
      };
      const probe = (): void => void check();
      const timer = setTimeout(() => {
        waiters.delete(probe);
        reject(new Error(`no matching log line in ${ms} ms; got:\n${parsed.map((l) => JSON.stringify(l)).join('\n')}`));
      }, ms);
      if (!check()) waiters.add(probe);
      void exited.then(() => setTimeout(probe, 10));
    });
  let url: string;
  try {
    url = (await waitForLog((l) => l['msg'] === 'listening')).url as string;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    child,
    url,
    logs: () => parsed,
    stdout: () => stdout,
    stderr: () => allStderr,
    waitForLog,
    async waitReady(ms = timeoutMs) {
      const deadline = Date.now() + ms;
      while ((await fetch(`${url}/ready`)).status !== 200) {
        if (Date.now() > deadline) throw new Error('not ready in time');
        await new Promise((r) => setTimeout(r, 30));
      }
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  };
}
