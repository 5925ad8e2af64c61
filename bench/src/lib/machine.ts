import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { busyOf, coreBusySeconds } from './proc-stats.ts';

/** CPU (in cores) used on the whole machine over 2 s; with `minutes` > 0, waits until that is under 0.25. */
export async function waitForQuiet(minutes: number, log: (msg: string) => void): Promise<number> {
  const deadline = Date.now() + minutes * 60_000;
  for (;;) {
    const a = busyOf(coreBusySeconds(), undefined);
    await new Promise((r) => setTimeout(r, 2000));
    const busy = Number(((busyOf(coreBusySeconds(), undefined) - a) / 2).toFixed(2));
    if (busy < 0.25 || Date.now() >= deadline) {
      if (busy >= 0.25) log(`warning: the machine is busy (${busy} cores used by other processes): expect noisy numbers`);
      return busy;
    }
    log(`machine busy (${busy} cores used); waiting for it to quieten (up to ${minutes} min)`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
}

/**
 * Waits until the process tree under `pid` used under `share` of a core over the last half second (at least
 * one check, at most `maxMs`); returns the seconds waited. A fill leaves work behind (the collection of what it
 * allocated, the decision log's backlog) that a measurement right after it would count as the load's.
 */
export async function waitForIdleTarget(pid: number, cpuSecondsOf: (pid: number) => number, share = 0.05, maxMs = 120_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const before = cpuSecondsOf(pid);
    await new Promise((r) => setTimeout(r, 500));
    if (cpuSecondsOf(pid) - before < 0.5 * share || performance.now() - t0 > maxMs) return (performance.now() - t0) / 1000;
  }
}

/** What the report says about the machine and the software measured. */
export function describeMachine(root: string, gen: { name: string; version: string }, pinningDescription: string): Record<string, unknown> {
  const sh = (cmd: string, a: string[], cwd = root): string => {
    try {
      return execFileSync(cmd, a, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  const osRelease = existsSync('/etc/os-release') ? /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined;
  const dirty = sh('git', ['status', '--porcelain', '--', 'src', 'bin', 'package.json', 'rego']) !== '';
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    os: `${osRelease ?? 'Linux'} (kernel ${release()})`,
    node: process.versions.node,
    opa: /^Version: (.*)$/m.exec(sh(join(root, '.tools/bin/opa'), ['version']))?.[1] ?? 'unknown',
    generator: `${gen.name} ${gen.version}`,
    pinning: pinningDescription,
    commit: `${sh('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? ' (with uncommitted changes)' : ''}`,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  };
}
