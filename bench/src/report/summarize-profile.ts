/**
 * Turns a V8 .cpuprofile (node --cpu-prof) into a short text: where the time went by area
 * (express, jose, opa-wasm, the sidecar's own folders, node internals, GC, idle), the functions
 * with the most self time, and the sidecar functions with the most total (inclusive) time.
 *
 *   node summarize-profile.ts <file.cpuprofile> [title]   prints the summary
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The area a frame belongs to: a package, a folder of src/, a node: module, or a V8 pseudo-frame. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(idle)') return '(idle: waiting for I/O)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: V8/native, outside JS)';
    if (functionName === '(root)') return '(root)';
    return `native ${functionName}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const src = /\/src\/([^/]+)\//.exec(url) ?? /\/src\/([^/]+\.ts)$/.exec(url);
  if (src && !url.includes('/bench/')) return `sidecar src/${src[1]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  return url.replace(/^file:\/\//, '');
}

const label = (f: CallFrame): string => {
  const where = f.url === '' ? '' : ` ${f.url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')}:${f.lineNumber + 1}`;
  return `${f.functionName || '(anonymous)'}${where}`;
};

/** Functions worth seeing with their callees: verification, policy, express, body parsing, the response, logging. */
const ENTRY_POINTS =
  /^(jwtVerify|verify|evaluate|handle|jsonParser|json|send|end|_write|randomUUID|createHash|writeHead|getOrLoad) (node_modules\/(jose|express|router|body-parser|@open-policy-agent)|node:(internal\/crypto|_http|internal\/streams))/;

export function summarizeProfile(profile: CpuProfile, title: string): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const area = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    area.set(areaOf(frame), (area.get(areaOf(frame)) ?? 0) + us);
    selfByFn.set(label(frame), (selfByFn.get(label(frame)) ?? 0) + us);
    // Inclusive time: every distinct function on this sample's stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!.callFrame);
      if (!seen.has(l)) {
        seen.add(l);
        inclusive.set(l, (inclusive.get(l) ?? 0) + us);
      }
    }
  }
  const idle = area.get('(idle: waiting for I/O)') ?? 0;
  const busy = total - idle;
  const pct = (us: number, of: number): string => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
  const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const top = (m: Map<string, number>, n: number, filter: (k: string) => boolean = () => true): [string, number][] =>
    [...m].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, n);

  const lines = [
    title,
    `sampled ${(total / 1e6).toFixed(1)} s; busy (not idle) ${(busy / 1e6).toFixed(1)} s = ${pct(busy, total).trim()} of the time; percentages below are of busy time`,
    '',
    'By area (self time):',
    ...top(area, 30, (k) => !k.startsWith('(idle')).map(([k, us]) => `  ${pct(us, busy)} ${ms(us)}  ${k}`),
    '',
    'Top functions by self time:',
    ...top(selfByFn, 30, (k) => !k.startsWith('(idle)')).map(([k, us]) => `  ${pct(us, busy)} ${ms(us)}  ${k}`),
    '',
    'Sidecar functions (src/) by total time, callees included:',
    ...top(inclusive, 25, (k) => / src\//.test(k)).map(([k, us]) => `  ${pct(us, busy)} ${ms(us)}  ${k}`),
    '',
    'Library entry points on the request path by total time:',
    ...top(inclusive, 20, (k) => ENTRY_POINTS.test(k) && (inclusive.get(k) ?? 0) >= busy * 0.005).map(([k, us]) => `  ${pct(us, busy)} ${ms(us)}  ${k}`),
  ];
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, title] = process.argv.slice(2);
  process.stdout.write(summarizeProfile(JSON.parse(readFileSync(file!, 'utf8')) as CpuProfile, title ?? file!));
}
