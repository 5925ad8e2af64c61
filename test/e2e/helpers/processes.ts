import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SAMPLE_BUNDLE, tempDir } from '../../helpers/bundles.ts';

/** A free TCP port on 127.0.0.1 (bound, then released: the caller binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr interleaved). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Spawns a long-running process and resolves once `ready` matches its output (returning the match;
 * without `ready`, as soon as it has spawned), or rejects with the output so far if it exits or
 * `timeoutMs` passes first.
 */
export async function spawnUntil(
  name: string,
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; ready?: RegExp; timeoutMs?: number },
): Promise<{ child: Child; match: RegExpExecArray | undefined }> {
  const proc = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  const child: Child = {
    name,
    process: proc,
    output: () => out,
    async stop(graceMs = 5_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  const onData = (d: Buffer) => (out += d.toString());
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const match = await new Promise<RegExpExecArray | undefined>((resolve, reject) => {
    const timer = setTimeout(() => fail(`not ready after ${opts.timeoutMs ?? 15_000} ms`), opts.timeoutMs ?? 15_000);
    const ready = opts.ready;
    if (ready) {
      const check = () => {
        const m = ready.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      proc.stdout!.on('data', check);
      proc.stderr!.on('data', check);
    } else {
      proc.on('spawn', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    }
    proc.on('error', (err) => fail(err.message));
    void exited.then((code) => fail(`exited with ${code}`));
    function fail(why: string) {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${name} ${why}; output:\n${out}`));
    }
  });
  return { child, match };
}

export interface SidecarProcess extends Child {
  readonly url: string;
  readonly decisionLogPath: string;
  /** The decision log lines written so far. */
  decisions(): any[];
  /** The first decision matching `pred`, waiting for it: the log is written off the request path. */
  decision(pred: (d: any) => boolean, timeoutMs?: number): Promise<any>;
}

/**
 * The sidecar as it runs for real: `node bin/authz-sidecar.js serve`, configured only by AUTHZ_*
 * environment variables, on an ephemeral loopback port; resolves once /ready answers 200.
 */
export async function startSidecarProcess(env: Record<string, string>): Promise<SidecarProcess> {
  const decisionLogPath = join(tempDir('authz-e2e-sidecar-'), 'decisions.log');
  const { child, match } = await spawnUntil('authz-sidecar', process.execPath, [join(ROOT, 'bin/authz-sidecar.js'), 'serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      AUTHZ_LISTEN: '127.0.0.1:0',
      AUTHZ_BUNDLE: SAMPLE_BUNDLE,
      AUTHZ_DECISION_LOG: decisionLogPath,
      ...env,
    },
    ready: /"msg":"listening","url":"(http:\/\/127\.0\.0\.1:\d+)"/,
  });
  const url = match![1]!;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await fetch(`${url}/ready`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`sidecar at ${url} not ready after 20 s (last /ready: ${status}); output:\n${child.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const decisions = (): any[] =>
    existsSync(decisionLogPath) ? readFileSync(decisionLogPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  return {
    ...child,
    url,
    decisionLogPath,
    decisions,
    async decision(pred, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = decisions().find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching decision in ${decisionLogPath} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** examples/demo-service/server.mjs on an ephemeral loopback port. */
export async function startDemoService(): Promise<Child & { url: string }> {
  const { child, match } = await spawnUntil('demo-service', process.execPath, [join(ROOT, 'examples/demo-service/server.mjs')], {
    env: { PATH: process.env['PATH'] ?? '', DEMO_HOST: '127.0.0.1', DEMO_PORT: '0' },
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  });
  return { ...child, url: match![1]! };
}
