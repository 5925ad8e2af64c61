import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Which core runs what. With two cores or more and `taskset` available, the load generator and the
 * IdP stand-in share the first core and the target under test gets the last one, so each target has
 * exactly one core of its own; otherwise nothing is pinned and the report says so.
 */
export interface Pinning {
  readonly load: string | undefined;
  readonly target: string | undefined;
  /** Cores of the machine (os.availableParallelism()). */
  readonly cores: number;
  /** Whether taskset pins anything; when false every target runs unpinned. */
  readonly pins: boolean;
  readonly description: string;
}

export function choosePinning(): Pinning {
  const cores = availableParallelism();
  let taskset = false;
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    taskset = true;
  } catch {
    taskset = false;
  }
  if (!taskset || cores < 2) {
    return { load: undefined, target: undefined, cores, pins: false, description: taskset ? 'not pinned (one core)' : 'not pinned (no taskset)' };
  }
  const target = String(cores - 1);
  const load = cores > 2 ? `0-${cores - 2}` : '0';
  return { load, target, cores, pins: true, description: `load generator and IdP stand-in on core ${load}, target on core ${target} (taskset)` };
}

/**
 * The last `n` cores as a taskset list (`1`, `0-1`): a target given more than its one core. On a
 * machine with `n` cores that is all of them, the load generator's included.
 */
export function lastCores(p: Pick<Pinning, 'cores' | 'pins'>, n: number): string | undefined {
  if (!p.pins) return undefined;
  const from = Math.max(0, p.cores - n);
  return from === p.cores - 1 ? String(from) : `${from}-${p.cores - 1}`;
}

/** The command line that runs `cmd args` on `cpus` (or unpinned). */
export function pinned(cpus: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined ? [cmd, [...args]] : ['taskset', ['-c', cpus, cmd, ...args]];
}
