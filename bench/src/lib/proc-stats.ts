import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run). */
const TICKS = 100;

/** User + system CPU seconds a process has used so far (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Current and peak resident set size in MiB (VmRSS, VmHWM). */
export function memory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
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

/** Busy seconds of the cores in a taskset list such as `1` or `0-2` (all cores when undefined). */
export function busyOf(busy: readonly number[], cpus: string | undefined): number {
  if (cpus === undefined) return busy.reduce((a, b) => a + b, 0);
  const [from, to] = cpus.split('-').map(Number);
  return busy.slice(from, (to ?? from!) + 1).reduce((a, b) => a + b, 0);
}
