import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync, createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';

/**
 * The sidecar under test as its own process tree (`authz-sidecar serve`, cluster primary + workers),
 * with the operations the schedule needs: SIGHUP with a new config file, SIGKILL of one worker,
 * SIGTERM of the whole thing and a start again on the same port and files.
 */
export interface SidecarProcess {
  readonly url: string;
  readonly pid: number;
  /** pids of the primary and its live workers. */
  pids(): number[];
  workerPids(): number[];
  /** Writes the config file (the next SIGHUP or start reads it). */
  writeConfig(config: Record<string, unknown>): void;
  hup(): void;
  killWorker(): number | undefined;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | string>;
  start(): Promise<void>;
  /** Process log lines (JSON) of every incarnation so far. */
  logLines(): Record<string, unknown>[];
  readonly starts: number;
}

export async function startSidecarProcess(dir: string, url: string, config: Record<string, unknown>): Promise<SidecarProcess> {
  const configFile = join(dir, 'sidecar.json');
  const logFile = join(dir, 'sidecar-process.log');
  const lines: Record<string, unknown>[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<number | string> | undefined;
  let starts = 0;
  let out: WriteStream | undefined;
  const writeConfig = (c: Record<string, unknown>): void => writeFileSync(configFile, `${JSON.stringify(c, null, 2)}\n`);
  writeConfig(config);

  const start = async (): Promise<void> => {
    out = createWriteStream(logFile, { flags: 'a' });
    const c = spawn(process.execPath, [join(ROOT, 'bin/authz-sidecar.js'), 'serve', '--config', configFile], {
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'inherit', 'pipe'],
      cwd: dir,
    });
    child = c;
    starts++;
    exited = once(c, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
    let rest = '';
    c.stderr!.on('data', (d: Buffer) => {
      out!.write(d);
      rest += d.toString();
      const cut = rest.lastIndexOf('\n');
      if (cut === -1) return;
      for (const l of rest.slice(0, cut).split('\n')) {
        try {
          lines.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          lines.push({ raw: l });
        }
      }
      rest = rest.slice(cut + 1);
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${url}/ready`).then((r) => r.status === 200, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`the sidecar was not ready in 30 s; see ${logFile}`);
      if (c.exitCode !== null) throw new Error(`the sidecar exited (${c.exitCode}); see ${logFile}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const workerPids = (): number[] => (child?.pid ? childrenOf(child.pid) : []);
  await start();
  return {
    url,
    get pid() {
      return child?.pid ?? -1;
    },
    pids: () => (child?.pid && child.exitCode === null ? [child.pid, ...workerPids()] : []),
    workerPids,
    writeConfig,
    hup: () => void child?.kill('SIGHUP'),
    killWorker() {
      const w = workerPids()[0];
      if (w !== undefined) process.kill(w, 'SIGKILL');
      return w;
    },
    async stop() {
      if (!child || child.exitCode !== null) return (await exited) ?? 'not running';
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 60_000);
      const code = await exited!;
      clearTimeout(timer);
      await new Promise<void>((r) => out!.end(r));
      return code;
    },
    start,
    logLines: () => lines,
    get starts() {
      return starts;
    },
  };
}

/** Direct children of a process (Linux /proc), so one worker can be killed by its own pid. */
export function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return kids;
}

/** Resident memory (bytes) and open file descriptors of these processes, summed. */
export function sampleResources(pids: readonly number[]): { rss: number; fds: number } {
  let rss = 0;
  let fds = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      rss += Number(m?.[1] ?? 0) * 1024;
      fds += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // exited meanwhile
    }
  }
  return { rss, fds };
}
