// GC pauses and the longest blocking work while decisions rotate over many cached subjects: the sidecar's own
// caches and memos (scripts/lib/subject-pipeline.ts), filled with N subjects, then three passes over all of them
// in a scattered order: claims cached; then, with the clock moved 601 s on, every token verified again and
// every subject's claims fetched again (past the default TTLs, 600 s and 300 s); then claims cached again. A pass
// that takes longer than the token TTL (600 s since 2026-12-03, 60 s before) verifies tokens again even in the
// cached passes: the table counts them. Work is done in batches of 100 decisions with a turn of the
// event loop between them, so the claims cache's sweep (a bounded slice per second) runs as it would in the
// sidecar, timed.
// Run: node --max-old-space-size=8192 scripts/measure-subject-gc.ts [subjects]   (add --trace-gc to see each GC;
// the heap limit is raised because before issue 14's memory work, 1,000,000 subjects outgrew the default one).
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { subjectPipeline } from './lib/subject-pipeline.ts';

const n = Number(process.argv[2] ?? 1_000_000);
let offsetMs = 0;
// The claims cache's sweep is its only timer: each run of it is timed (a bounded slice of the entries).
const sweeps: number[] = [];
const setIntervalAsIs = globalThis.setInterval;
globalThis.setInterval = ((f: () => void, ms: number) =>
  setIntervalAsIs(() => {
    const t = performance.now();
    f();
    sweeps.push(performance.now() - t);
  }, ms)) as unknown as typeof setInterval;
const p = subjectPipeline({ subjects: n, now: () => Date.now() + offsetMs });
globalThis.setInterval = setIntervalAsIs;

interface Phase { name: string; scavenge: number[]; markCompact: number[]; other: number[]; decision: number; gap: number; ms: number; sweep: number; verified: number }
let phase: Phase | undefined;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail: { kind: number } }).detail.kind;
    const bucket = kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'scavenge' : kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 'markCompact' : 'other';
    phase?.[bucket].push(e.duration);
  }
}).observe({ entryTypes: ['gc'] });

const phases: Phase[] = [];
const run = async (name: string, order: (k: number) => number): Promise<void> => {
  const ph: Phase = { name, scavenge: [], markCompact: [], other: [], decision: 0, gap: 0, ms: 0, sweep: 0, verified: p.verificationCount() };
  sweeps.length = 0;
  phase = ph;
  phases.push(ph);
  const start = performance.now();
  let batchEnd = performance.now();
  for (let k = 0; k < n; k += 100) {
    await turn();
    ph.gap = Math.max(ph.gap, performance.now() - batchEnd);
    for (let j = k; j < Math.min(n, k + 100); j++) {
      const t = performance.now();
      await p.decide(order(j));
      ph.decision = Math.max(ph.decision, performance.now() - t);
    }
    batchEnd = performance.now();
  }
  await turn();
  ph.ms = performance.now() - start;
  ph.sweep = Math.max(0, ...sweeps);
  ph.verified = p.verificationCount() - ph.verified;
};
// A stride coprime with n visits every subject once per pass, far from insertion order.
const stride = (() => {
  let s = Math.floor(n * 0.618) | 1;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  while (gcd(s, n) !== 1) s += 2;
  return s;
})();
const scattered = (k: number): number => (k * stride) % n;

await run('fill (every subject new)', (k) => k);
const filled = process.memoryUsage();
await run('pass 1: claims cached', scattered);
offsetMs += 601_000; // past both default TTLs (token 600 s, claims 300 s)
await run('pass 2: all expired (verified and fetched again)', scattered);
await run('pass 3: claims cached', scattered);
p.close();

const max = (xs: number[]): string => (xs.length === 0 ? '–' : Math.max(...xs).toFixed(1));
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
console.log(`Node ${process.version}, ${n.toLocaleString('en-US')} subjects with 10 roles; after the fill: heap used ${(filled.heapUsed / 2 ** 20).toFixed(0)} MiB, RSS ${(filled.rss / 2 ** 20).toFixed(0)} MiB\n`);
console.log('| phase | wall s | tokens verified (a pass longer than the token TTL verifies again) | scavenges (longest ms) | mark-compacts (longest ms) | GC ms in all | longest decision ms | longest pause between batches ms | longest sweep step ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const ph of phases) {
  console.log(`| ${ph.name} | ${(ph.ms / 1000).toFixed(1)} | ${ph.verified} | ${ph.scavenge.length} (${max(ph.scavenge)}) | ${ph.markCompact.length} (${max(ph.markCompact)}) | ${sum([...ph.scavenge, ...ph.markCompact, ...ph.other]).toFixed(0)} | ${ph.decision.toFixed(1)} | ${ph.gap.toFixed(1)} | ${ph.sweep.toFixed(1)} |`);
}
