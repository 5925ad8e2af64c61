// Measures the audit explorer at scale, for docs/audit-explorer.md:
//   node scripts/measure-audit-explorer.ts [--events 1000000] [--log <decisions.log> --key <public key>]
// Writes a log of --events decisions (scripts/generate-decision-log.ts's mix, with signed
// checkpoints) unless --log is given, then runs the real `authz-sidecar audit serve` on it and
// reports: the time until it serves (index built, chain and checkpoints verified), its resident
// memory (peak while indexing, and once serving), and how long the API takes to answer the
// page's requests (the first time, when the filter's rows are selected, and the median of 4 more,
// when the last 8 selections are reused) and how big the answers are. With --compare, also
// `audit verify` and `audit stats` on the same log, which the explorer's one pass replaces.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDecisionLog } from '../test/helpers/generate-decision-log.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, log: { type: 'string' }, key: { type: 'string' }, keep: { type: 'boolean' }, compare: { type: 'boolean' } } });
const say = (msg: string): boolean => process.stderr.write(`measure: ${msg}\n`);
const dir = mkdtempSync(join(tmpdir(), 'authz-measure-explorer-'));
let log = values.log;
let key = values.key;
if (!log) {
  const pair = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'key.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  log = join(dir, 'decisions.log');
  key = join(dir, 'public.pem');
  const t0 = performance.now();
  await generateDecisionLog({ out: log, events: Number(values.events), checkpointKey: join(dir, 'key.pem'), progress: (n) => say(`generated ${n.toLocaleString('en')}`) });
  say(`generated ${values.events} decisions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const files = [log, ...(key ? [`${log}.checkpoints`] : [])];
const bytes = statSync(log).size;

const memory = (pid: number): { rss: number; hwm: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
};

const t0 = performance.now();
const child = spawn(process.execPath, [join(import.meta.dirname, '../bin/authz-sidecar.js'), 'audit', 'serve', '--port', '0', ...(key ? ['--key', key] : []), ...files], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let stderr = '';
child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /^(http:\/\/\S+)$/m.exec(out);
    if (m) resolve(m[1]!);
  });
  child.once('exit', (code) => reject(new Error(`audit serve exited ${code}:\n${stderr}`)));
});
const loadSeconds = (performance.now() - t0) / 1000;
const ready = memory(child.pid!);
say(stderr.trim().split('\n').at(-1)!);

const timed = async (path: string): Promise<{ path: string; first: number; again: number; bytes: number }> => {
  const ms: number[] = [];
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const res = await fetch(new URL(path, url));
    size = (await res.arrayBuffer()).byteLength;
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    ms.push(performance.now() - start);
  }
  const again = ms.slice(1).sort((a, b) => a - b);
  return { path, first: ms[0]!, again: (again[1]! + again[2]!) / 2, bytes: size };
};
const decisions = JSON.parse(await (await fetch(new URL('/api/status', url))).text()).decisions as number;
const requests = [];
for (const path of [
  '/api/status',
  '/api/summary',
  '/api/summary?result=deny&path=/api/orders/**',
  '/api/summary?subject=bob&reason=no%20grant',
  '/api/summary?since=2026-11-03T00:00:00Z&until=2026-11-03T06:00:00Z',
  '/api/decisions',
  '/api/decisions?subject=mallory&offset=1000',
  `/api/decisions/${Math.floor(decisions / 2)}`,
]) {
  requests.push(await timed(path));
}
const serving = memory(child.pid!);
child.kill('SIGTERM');

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
const perMillion = 1e6 / decisions;
process.stdout.write(
  [
    `decisions: ${decisions.toLocaleString('en')} (${mib(bytes)} of log, ${(bytes / decisions).toFixed(0)} bytes per decision)`,
    `load (spawn to serving: index built, chain and ${key ? 'checkpoints' : 'no checkpoints'} verified): ${loadSeconds.toFixed(1)} s, ${(loadSeconds * perMillion).toFixed(1)} s per million`,
    `peak resident memory while indexing: ${mib(ready.hwm)}; resident once serving: ${mib(ready.rss)}; after the requests below: ${mib(serving.rss)}`,
    '',
    '| request | first, ms | again (median), ms | answer bytes |',
    '| --- | ---: | ---: | ---: |',
    ...requests.map((r) => `| \`${r.path}\` | ${r.first.toFixed(1)} | ${r.again.toFixed(1)} | ${r.bytes.toLocaleString('en')} |`),
    '',
  ].join('\n'),
);
if (values.compare) {
  // Peak memory of a process that exits: VmHWM sampled until it does (it only grows).
  const measured = async (args: string[]): Promise<string> => {
    const start = performance.now();
    const c = spawn(process.execPath, [join(import.meta.dirname, '../bin/authz-sidecar.js'), 'audit', ...args], { stdio: 'ignore' });
    let hwm = 0;
    const timer = setInterval(() => {
      try {
        hwm = memory(c.pid!).hwm;
      } catch {
        // exited between samples
      }
    }, 100);
    await new Promise((resolve) => c.once('exit', resolve));
    clearInterval(timer);
    return `${((performance.now() - start) / 1000).toFixed(1)} s, peak ${mib(hwm)}`;
  };
  process.stdout.write(`audit verify${key ? ' --key' : ''}: ${await measured(['verify', ...(key ? ['--key', key] : []), ...files])}\n`);
  process.stdout.write(`audit stats: ${await measured(['stats', log])}\n`);
}
if (!values.log && !values.keep) rmSync(dir, { recursive: true, force: true });
else if (!values.log) say(`kept ${dir}`);
