import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once exited. */
  stop(graceMs?: number): Promise<number | string>;
}

/** Spawns a long-running child with stdout and stderr going to files (never to our terminal). */
export function startChild(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdoutFile: string; stderrFile: string }): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.pipe(createWriteStream(opts.stdoutFile));
  proc.stderr!.pipe(createWriteStream(opts.stderrFile));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  if (proc.pid === undefined) throw new Error(`could not start ${cmd}`);
  let done = false;
  void exited.then(() => (done = true));
  return {
    process: proc,
    pid: proc.pid,
    exited,
    async stop(graceMs = 10_000) {
      if (!done) proc.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!done) proc.kill('SIGKILL');
      }, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls `probe` until it resolves true; fails if the child exits first or `timeoutMs` passes. */
export async function waitUntil(what: string, child: Child, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void child.exited.then((c) => (exited = c));
  for (;;) {
    if (exited !== undefined) throw new Error(`${what} exited (${exited}) before it was ready`);
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs} ms`);
    await sleep(50);
  }
}
