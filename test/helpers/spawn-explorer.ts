import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ROOT } from './bundles.ts';

export interface SpawnedExplorer {
  readonly child: ChildProcess;
  /** The page's address as printed on stdout (with `#token=…` when one is needed). */
  readonly url: string;
  /** `http://host:port` */
  readonly origin: string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | string>;
}

/** Runs the real `authz-sidecar audit serve` on a free port and waits for the address line. */
export async function spawnExplorer(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<SpawnedExplorer> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [join(ROOT, 'bin/authz-sidecar.js'), 'audit', 'serve', '--port', '0', ...args], {
    env: { PATH: process.env['PATH'] ?? '' },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`audit serve printed no address in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = /^(http:\/\/\S+)\n/m.exec(stdout)?.[1];
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`audit serve exited (${code}) before printing its address:\n${stderr}`));
    });
  });
  return {
    child,
    url,
    origin: new URL(url).origin,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
