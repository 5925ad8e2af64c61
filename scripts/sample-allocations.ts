/**
 * Bytes allocated per HTTP request, by function: V8's sampling heap profiler with the objects later
 * collected kept in the profile (young garbage is what a request leaves behind), over a window of the
 * process's life. Load it into a sidecar and drive load through the window, e.g.
 *
 *   node --import ./scripts/sample-allocations.ts bin/authz-sidecar.js demo
 *   wrk -t1 -c10 -d20s -s <post.lua> http://127.0.0.1:8181/authorize
 *
 * SAMPLE_AFTER_MS (default 8000) after start, it samples for SAMPLE_FOR_MS (default 10000), then prints
 * to stderr the requests served in the window (node:http's diagnostics channel) and the top functions
 * by bytes per request, self and with callees (src/ only). Sampling slows the process: read bytes,
 * not rates.
 */
import { subscribe } from 'node:diagnostics_channel';
import { Session } from 'node:inspector/promises';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}

const after = Number(process.env['SAMPLE_AFTER_MS'] ?? 8000);
const window = Number(process.env['SAMPLE_FOR_MS'] ?? 10000);
let requests = 0;
let counting = false;
subscribe('http.server.request.start', () => {
  if (counting) requests++;
});

function summarise(head: Node): string {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  const walk = (n: Node, above: ReadonlySet<string>): number => {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*?\/(src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n.selfSize);
    all += n.selfSize;
    const below = new Set(above).add(key);
    let sum = n.selfSize;
    for (const c of n.children) sum += walk(c, below);
    if (!above.has(key)) total.set(key, (total.get(key) ?? 0) + sum);
    return sum;
  };
  walk(head, new Set());
  const per = (b: number): string => `${Math.round(b / Math.max(requests, 1))}`.padStart(7);
  const top = (m: Map<string, number>, keep: (k: string) => boolean, n: number): string[] =>
    [...m].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${per(v)} B/request  ${k}`);
  return [
    `sampled ${requests} requests in ${window} ms: ${per(all).trim()} B allocated per request`,
    'self:',
    ...top(self, () => true, 25),
    'with callees (src/ only):',
    ...top(total, (k) => k.includes(' src/'), 25),
  ].join('\n');
}

const session = new Session();
session.connect();
setTimeout(() => {
  void (async () => {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    counting = true;
    setTimeout(() => {
      void (async () => {
        counting = false;
        const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: Node } };
        process.stderr.write(`${summarise(profile.head)}\n`);
      })();
    }, window).unref();
  })();
}, after).unref();
