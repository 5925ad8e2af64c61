import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned } from '../lib/pinning.ts';
import { OPA_AUTHZEN_PATH, OPA_DECISION_PATH } from '../targets/opa.ts';
import { REQUEST } from '../targets/target.ts';
import { runGoLoad } from './go-load.ts';

export interface LoadOptions {
  readonly url: string;
  readonly wire: 'sidecar' | 'opa' | 'grpc';
  /** One token per line; requests rotate over them. */
  readonly tokensFile: string;
  readonly connections: number;
  readonly durationS: number;
  readonly cpu: string | undefined;
  /** Scratch file for the generator's summary. */
  readonly outFile: string;
  /** AuthZEN evaluations per request (0: /authorize); the tokens file then holds `<sub> <token>` lines. */
  readonly authzen?: number;
  /** A fixed overall rate in requests per second (autocannon only: wrk has no rate limit). */
  readonly rate?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly durationS: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** Connection errors, timeouts and non-2xx/3xx answers. */
  readonly errors: number;
  /** The errors by kind (a status, a gRPC code and message, ...), when the generator tells them apart. */
  readonly errorKinds?: Readonly<Record<string, number>>;
  /** Times the token list was exhausted and started over (0 when every token was used once at most). */
  readonly wraps: number;
}

/** `extauthz`: tools/extauthz's Go load generator (go-load.ts), for the ext_authz gRPC scenario's targets. */
export type Generator = 'wrk' | 'autocannon' | 'extauthz';

/** wrk (Debian's) when installed, else autocannon from bench/node_modules. */
export function chooseGenerator(forced?: string): { name: Generator; version: string } {
  if (forced === 'autocannon') return { name: 'autocannon', version: autocannonVersion() };
  try {
    const out = execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { name: 'wrk', version: /wrk (\S+)/.exec(out)?.[1] ?? 'unknown' };
  } catch (err) {
    // `wrk -v` prints its version and exits 1.
    const out = String((err as { stdout?: string }).stdout ?? '');
    if (/^wrk /.test(out)) return { name: 'wrk', version: /wrk (\S+)/.exec(out)?.[1] ?? 'unknown' };
    if (forced === 'wrk') throw new Error('wrk is not installed (as root: apt-get install -y wrk)');
    return { name: 'autocannon', version: autocannonVersion() };
  }
}

function autocannonVersion(): string {
  const pkg = fileURLToPath(new URL('../../node_modules/autocannon/package.json', import.meta.url));
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    throw new Error('neither wrk nor autocannon is available: run `npm install` in bench/ (npm run bench does it)');
  }
}

/** Runs the load generator as its own (pinned) process and returns its summary. */
export async function runLoad(generator: Generator, o: LoadOptions): Promise<LoadResult> {
  if (generator === 'extauthz') return runGoLoad(o);
  const env = {
    ...process.env,
    BENCH_TOKENS: o.tokensFile,
    BENCH_WIRE: o.wire,
    BENCH_OPA_PATH: OPA_DECISION_PATH,
    BENCH_OPA_AUTHZEN_PATH: OPA_AUTHZEN_PATH,
    BENCH_AUTHZEN: String(o.authzen ?? 0),
    BENCH_METHOD: REQUEST.method,
    BENCH_PATH: REQUEST.path,
    BENCH_OUT: o.outFile,
    BENCH_URL: o.url,
    BENCH_CONNECTIONS: String(o.connections),
    BENCH_DURATION_S: String(o.durationS),
    BENCH_RATE: String(o.rate ?? 0),
  };
  if (o.rate && generator !== 'autocannon') throw new Error('a fixed rate needs autocannon');
  const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
  const [cmd, args] =
    generator === 'wrk'
      ? pinned(o.cpu, 'wrk', ['-t1', `-c${o.connections}`, `-d${Math.max(1, Math.round(o.durationS))}s`, '--timeout', '10s', '-s', here('./authz.lua'), o.url])
      : pinned(o.cpu, process.execPath, [here('./autocannon-run.ts')]);
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    const proc = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${generator} exited ${code}: ${stderr.slice(-500)}`))));
  });
  const s = JSON.parse(readFileSync(o.outFile, 'utf8')) as {
    requests: number; duration_us: number; wraps: number;
    errors: Record<string, number>; latency_us: { p50: number; p99: number; p999: number };
  };
  const durationS = s.duration_us / 1e6;
  return {
    requests: s.requests,
    durationS,
    rps: s.requests / durationS,
    p50Ms: s.latency_us.p50 / 1000,
    p99Ms: s.latency_us.p99 / 1000,
    p999Ms: s.latency_us.p999 / 1000,
    errors: Object.values(s.errors).reduce((a, b) => a + b, 0),
    errorKinds: Object.fromEntries(Object.entries(s.errors).filter(([, n]) => n > 0)),
    wraps: s.wraps,
  };
}

export const scratch = (dir: string, name: string): string => join(dir, name);
