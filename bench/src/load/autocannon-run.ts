/**
 * The load generator when wrk is not installed: autocannon in its own process, with the same
 * environment contract and summary file as authz.lua (see there).
 */
import { readFileSync, writeFileSync } from 'node:fs';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { authzenRequest } from './authzen-request.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const tokens = readFileSync(env('BENCH_TOKENS'), 'utf8').split('\n').filter(Boolean);
const wire = env('BENCH_WIRE');
const method = env('BENCH_METHOD');
const path = env('BENCH_PATH');
const authzen = Number(process.env['BENCH_AUTHZEN'] ?? '0');
let i = 0;
let wraps = 0;
const next = (): string => {
  if (i >= tokens.length) {
    i = 0;
    wraps++;
  }
  return tokens[i++]!;
};

const result = await autocannon({
  url: env('BENCH_URL'),
  connections: Number(env('BENCH_CONNECTIONS')),
  duration: Number(env('BENCH_DURATION_S')),
  timeout: 10,
  // BENCH_RATE: requests per second over all connections (the fixed-rate CPU measurement); 0: as fast as answered.
  ...(Number(process.env['BENCH_RATE'] ?? '0') > 0 ? { overallRate: Number(process.env['BENCH_RATE']) } : {}),
  requests: [
    {
      method: 'POST',
      setupRequest: (req: Record<string, unknown>) => {
        if (authzen > 0) {
          const [sub, token] = next().split(' ') as [string, string];
          return { ...req, ...authzenRequest(wire as 'sidecar' | 'opa', sub, token, authzen) };
        }
        return wire === 'opa'
          ? { ...req, path: env('BENCH_OPA_PATH'), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { token: next(), method, path } }) }
          : { ...req, path: '/authorize', headers: { 'content-type': 'application/json', authorization: `Bearer ${next()}` }, body: JSON.stringify({ method, path }) };
      },
    },
  ],
});
const us = (ms: number): number => Math.round(ms * 1000);
writeFileSync(
  env('BENCH_OUT'),
  JSON.stringify({
    requests: result.requests.total,
    duration_us: Math.round(result.duration * 1e6),
    wraps,
    errors: { connect: result.errors, read: 0, write: 0, status: result.non2xx, timeout: result.timeouts },
    latency_us: { p50: us(result.latency.p50), p99: us(result.latency.p99), p999: us(result.latency.p99_9) },
  }),
);
