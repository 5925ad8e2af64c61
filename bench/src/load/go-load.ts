import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from '../lib/pinning.ts';
import { OPA_DECISION_PATH } from '../targets/opa.ts';
import { REQUEST } from '../targets/target.ts';
import type { LoadOptions, LoadResult } from './load.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let binary: string | undefined;

/**
 * The ext_authz scenario's load: tools/extauthz (Go, built by scripts/build-go-tools.sh) sends
 * Envoy's CheckRequest over gRPC to the sidecar (`wire: grpc`), or POSTs OPA's Data API with the
 * token in the input (`wire: opa`, as authz.lua does), from `connections` concurrent callers on the
 * load core. Every request must be allowed: any other answer counts as an error.
 */
export async function runGoLoad(o: LoadOptions): Promise<LoadResult> {
  binary ??= execFileSync('bash', [`${ROOT}scripts/build-go-tools.sh`, 'extauthz'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  if (o.wire === 'sidecar') throw new Error('the Go load generator speaks ext_authz gRPC and OPA\'s Data API, not /authorize');
  const target = o.wire === 'grpc' ? ['-mode', 'grpc', '-addr', o.url] : ['-mode', 'opa', '-url', `${o.url}${OPA_DECISION_PATH}`];
  const [cmd, args] = pinned(o.cpu, binary, [
    'load', ...target, '-tokens', o.tokensFile, '-method', REQUEST.method, '-path', REQUEST.path,
    '-workers', String(o.connections), '-warmup', '0s', '-duration', `${o.durationS}s`,
  ]);
  const out = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOMAXPROCS: '1' } });
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`extauthz load exited ${code}: ${stderr.slice(-500)}`))));
  });
  const s = JSON.parse(out) as { requests: number; duration_us: number; errors: number; error_kinds?: Record<string, number>; wraps: number; latency_us: { p50: number; p99: number; p999: number } };
  const durationS = s.duration_us / 1e6;
  return { requests: s.requests, durationS, rps: s.requests / durationS, p50Ms: s.latency_us.p50 / 1000, p99Ms: s.latency_us.p99 / 1000, p999Ms: s.latency_us.p999 / 1000, errors: s.errors, errorKinds: s.error_kinds ?? {}, wraps: s.wraps };
}
