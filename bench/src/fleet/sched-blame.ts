/**
 * Who held the CPUs while a process waited to run: reads `perf sched timehist` output and, for every
 * wake-up of the given threads that waited at least THRESHOLD ms for a CPU, adds up what ran on either
 * CPU meanwhile, by process (helper threads such as V8Worker, which run the collector, apart).
 *
 *   perf sched record -k mono -a -o fleet.perf -- sleep 120 &   # while `npm run fleet` runs
 *   perf sched timehist -i fleet.perf --time <start>,<end> > th.txt   # the probe's window
 *   node bench/src/fleet/sched-blame.ts th.txt 0.5 <tid>,<tid>,...
 *
 * docs/fleet.md ("A shared hit's tail") reads a fleet run with it.
 */
import { readFileSync } from 'node:fs';

interface Switch {
  /** When the task left the CPU, s. */
  readonly end: number;
  readonly name: string;
  /** Time it waited for a CPU after being woken, ms. */
  readonly delay: number;
  /** Time it then ran, ms. */
  readonly run: number;
}

const [file, thresholdArg, tidsArg] = process.argv.slice(2);
if (!file || !tidsArg) throw new Error('usage: sched-blame.ts <timehist.txt> <threshold ms> <tid,tid,...>');
const threshold = Number(thresholdArg);
const tids = new Set(tidsArg.split(','));

const switches: Switch[] = [];
for (const line of readFileSync(file, 'utf8').split('\n').slice(3)) {
  const p = line.trim().split(/\s+/);
  if (p.length < 6) continue;
  switches.push({ end: Number(p[0]), name: p[2]!, delay: Number(p[4]), run: Number(p[5]) });
}
/** `name[tid/pid]` → `pid <pid>` (or `pid <pid> V8Worker` for V8's helper threads); kernel tasks keep their name. */
const owner = (name: string): string => {
  const m = /\[(\d+)(?:\/(\d+))?\]/.exec(name);
  if (!m || name.startsWith('<')) return name.replace(/\[.*$/, '');
  return `pid ${m[2] ?? m[1]}${name.startsWith('V8Worker') ? ' V8Worker' : ''}`;
};

const blame = new Map<string, number>();
let waits = 0;
let waited = 0;
for (const s of switches) {
  const tid = /\[(\d+)/.exec(s.name)?.[1];
  if (s.delay < threshold || tid === undefined || !tids.has(tid)) continue;
  waits++;
  waited += s.delay;
  const to = s.end - s.run / 1000;
  const from = to - s.delay / 1000;
  for (const o of switches) {
    const overlap = Math.min(o.end, to) - Math.max(o.end - o.run / 1000, from);
    if (overlap > 0) blame.set(owner(o.name), (blame.get(owner(o.name)) ?? 0) + overlap * 1000);
  }
}
console.log(`${waits} wake-ups waited ≥ ${threshold} ms for a CPU, ${waited.toFixed(1)} ms in all; what ran meanwhile (ms of CPU, both CPUs):`);
for (const [who, ms] of [...blame].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${ms.toFixed(1).padStart(9)}  ${who}`);
