import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run). */
const TICKS = 100;

/** The fields of a /proc/<pid>/stat line after the command name, which may hold spaces and parentheses: [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
}

/**
 * CPU seconds in one stat line: the process's own user + system time plus that of the children it
 * has waited for (cutime, cstime). A child is counted by its own line while it lives and by its
 * parent's once reaped, so a tree's sum does not drop when a process in it exits.
 */
export function cpuOfStat(stat: string): number {
  const f = statFields(stat);
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
}

/** `root` and every process below it (children, their children...), given each process's parent. */
export function descendants(root: number, parentOf: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentOf) {
    if (pid !== ppid) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (out.includes(pid)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Reads `/proc/<pid>/<file>`, or undefined when the process is gone. */
function procFile(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The pids of `root`'s process tree, from every /proc/<pid>/stat: a target is one process, or (the
 * sidecar in cluster mode) a primary with its forked workers.
 */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procFile(Number(entry), 'stat');
    if (stat) parentOf.set(Number(entry), Number(statFields(stat)[1]));
  }
  return descendants(root, parentOf);
}

/** User + system CPU seconds of one process and of the children it has reaped (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = procFile(pid, 'stat');
  if (stat === undefined) throw new Error(`process ${pid} is gone`);
  return cpuOfStat(stat);
}

/** User + system CPU seconds of a process tree so far: the primary and its workers alike. */
export function treeCpuSeconds(root: number): number {
  // The root must be there (a target that died is an error); a child may exit while we read.
  return processTree(root).reduce((sum, pid) => {
    const stat = pid === root ? undefined : procFile(pid, 'stat');
    return sum + (pid === root ? cpuSeconds(root) : stat === undefined ? 0 : cpuOfStat(stat));
  }, 0);
}

/**
 * Resident set size in MiB (VmRSS) summed over a process tree, and its peak: the sum of each
 * process's own peak (VmHWM), exact for one process and an upper bound for several.
 */
export function memory(root: number): { rssMb: number; peakMb: number } {
  let rss = 0;
  let peak = 0;
  for (const pid of processTree(root)) {
    const status = procFile(pid, 'status');
    if (status === undefined) continue;
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    rss += kb('VmRSS');
    peak += kb('VmHWM');
  }
  if (rss === 0) throw new Error(`process ${root} is gone`);
  return { rssMb: rss / 1024, peakMb: peak / 1024 };
}

/** Busy CPU seconds (everything but idle and iowait) of each core so far, from /proc/stat. */
export function coreBusySeconds(): number[] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => {
      const f = l.trim().split(/\s+/).slice(1).map(Number);
      const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
      return (total - f[3]! - f[4]!) / TICKS;
    });
}

/** The cores of a taskset list such as `1`, `0-2` or `0,2-3` (all `total` cores when undefined). */
export function coreList(cpus: string | undefined, total: number): number[] {
  if (cpus === undefined) return Array.from({ length: total }, (_, i) => i);
  const out = new Set<number>();
  for (const part of cpus.split(',')) {
    const [from, to] = part.split('-').map(Number);
    for (let c = from!; c <= (to ?? from!); c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

/** Busy seconds of the cores in a taskset list (all cores when undefined). */
export function busyOf(busy: readonly number[], cpus: string | undefined): number {
  return coreList(cpus, busy.length).reduce((a, c) => a + (busy[c] ?? 0), 0);
}
