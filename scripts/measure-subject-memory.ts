// Heap per cached subject, stage by stage, with the sidecar's own caches and memos (no HTTP, no IdP): the
// verified token, the claims cache entry with the subject kept (merged and narrowed to the policy's relevant
// roles), what the policy input and the decision event keep of it. Shaped like the benchmark's subjects (10 roles, one known to the policy):
// scripts/lib/subject-pipeline.ts. Run: node --expose-gc scripts/measure-subject-memory.ts [subjects]
// (prints a Markdown table; the numbers are the same from run to run within a few bytes).
import { subjectPipeline } from './lib/subject-pipeline.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 100_000);
// TTLs long enough that nothing expires while measuring.
const p = subjectPipeline({ subjects: n, tokenTtlSeconds: 3600, claimsTtlSeconds: 3600 });
const { tokenOf } = p;

const heap = (): number => {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
};
const rows: [string, number][] = [];
let last = heap();
const stage = async (name: string, f: (i: number) => Promise<unknown>): Promise<void> => {
  for (let i = 0; i < n; i++) await f(i);
  const h = heap();
  rows.push([name, (h - last) / n]);
  last = h;
};
await stage('verified-token cache entry (hash key, frozen payload and header)', (i) => p.verify(tokenOf(i)));
await stage('claims cache entry (interned roles), claims key, the subject kept per verification (merged and narrowed)', (i) => p.subjectOf(i));
await stage('policy input and decision event (remembered JSON, scrub mark)', (i) => p.decide(i));
console.log(`Node ${process.version}, ${n.toLocaleString('en-US')} subjects with 10 roles\n`);
console.log('| stage | heap per subject |\n| --- | ---: |');
for (const [name, b] of rows) console.log(`| ${name} | ${Math.round(b)} B |`);
const total = rows.reduce((a, [, b]) => a + b, 0);
console.log(`| total | ${Math.round(total)} B (${((total * 1e5) / 2 ** 20).toFixed(0)} MiB per 100,000) |`);
p.close();
