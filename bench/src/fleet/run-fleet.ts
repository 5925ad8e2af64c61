/**
 * `npm run fleet [-- --replicas 4 --users 10000]`: the fleet simulation of docs/fleet.md. Starts one
 * redis-server, an IdP stand-in that counts userinfo calls and refuses more than 5 per minute per user
 * (burst 10, like Auth0), and N real sidecar processes (`authz-sidecar serve`, default configuration
 * plus the issuer, audience and listen address). Then, with the shared tier off and on, drives U users
 * over the replicas in three passes, all within one TTL:
 *   first:   each user's first request, on replica u mod N (an IdP call either way);
 *   fan-out: the same user on each of the other N − 1 replicas (IdP calls with the tier off, shared hits on);
 *   local:   one more request per user on a random replica (local hits either way).
 * and prints IdP calls, refusals, decisions/s, p50/p99 per pass and per replica, and the load model's
 * prediction (docs/fleet.md) beside the measurement.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { cpuSeconds } from '../lib/proc-stats.ts';

interface FleetIdp {
  readonly issuer: string;
  readonly proc: ChildProcess;
  token(sub: string, audience: string, ttlSeconds: number): string;
  stats(): Promise<{ userinfo: number; refused: number; users: number }>;
  reset(): Promise<void>;
}

/** Starts fleet-idp.ts in its own process with a fresh EdDSA key; tokens are signed here with its private half. */
async function startFleetIdp(perMinute: number, burst: number): Promise<FleetIdp> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'fleet-1', alg: 'EdDSA', use: 'sig' };
  const proc = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'fleet-idp.ts'), JSON.stringify(jwk), String(perMinute), String(burst)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const issuer = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', (line) => resolve(line.replace(/^listening /, '')));
    proc.once('exit', (code) => reject(new Error(`the IdP stand-in exited (${code})`)));
  });
  const key: KeyObject = privateKey;
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return {
    issuer,
    proc,
    token(sub, audience, ttlSeconds) {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64({ alg: 'EdDSA', kid: 'fleet-1', typ: 'JWT' })}.${b64({ iss: issuer, sub, aud: audience, azp: 'fleet-client', scope: 'openid', iat: now, exp: now + ttlSeconds })}`;
      return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
    },
    stats: async () => (await fetch(`${issuer}/stats`)).json() as Promise<{ userinfo: number; refused: number; users: number }>,
    reset: async () => void (await fetch(`${issuer}/reset`, { method: 'POST' })),
  };
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({ options: { replicas: { type: 'string', default: '4' }, users: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '32' }, probe: { type: 'string', default: '2000' }, 'replica-node-args': { type: 'string', default: '' } } });
/** Node flags for every replica, for experiments only (e.g. `--trace-gc`): the simulation's figures are taken without any. */
const REPLICA_NODE_ARGS = values['replica-node-args'].split(' ').filter(Boolean);
const N = Number(values.replicas);
const U = Number(values.users);
const CONCURRENCY = Number(values.concurrency);
const SETTLE_MS = 3000;
/** The settle ends when every replica used under this share of a core over the last half second (Linux: /proc), or after SETTLE_MAX_MS. */
const QUIET_SHARE = 0.05;
const SETTLE_MAX_MS = 30_000;

/**
 * Waits until the replicas are quiet: after a loaded pass they keep working for seconds (the decision log's
 * backlog, collections), and a probe taken meanwhile measures that work, not a shared hit (perf sched showed
 * replicas at 30–60% of a core through a fixed 3 s settle). At least SETTLE_MS; returns the ms waited.
 */
async function settle(replicas: Replica[]): Promise<number> {
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  if (!existsSync('/proc/self/stat')) return performance.now() - t0;
  const cpuMs = (): number[] => replicas.map((r) => cpuSeconds(r.proc.pid!) * 1000);
  for (;;) {
    const before = cpuMs();
    await new Promise((r) => setTimeout(r, 500));
    const busiest = Math.max(...cpuMs().map((ms, i) => ms - before[i]!));
    if (busiest < 500 * QUIET_SHARE || performance.now() - t0 > SETTLE_MAX_MS) return performance.now() - t0;
  }
}
const TTL = 300; // claims.cacheTtlSeconds default: the whole run fits in one TTL
const AUDIENCE = 'fleet-api';
if (!(N >= 1 && N <= 8) || !(U >= 1)) throw new Error('--replicas 1..8, --users ≥ 1');

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitFor(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const t0 = Date.now(); !(await probe().catch(() => false)); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
  }
}

async function startRedis(dir: string): Promise<{ url: string; proc: ChildProcess; flush(): Promise<void>; ping(): Promise<{ ping(): Promise<number>; close(): void }> }> {
  const port = await freePort();
  const password = randomBytes(12).toString('base64url');
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--requirepass', password], { stdio: 'ignore' });
  const cli = (...args: string[]): Promise<number> =>
    new Promise((r) => spawn('redis-cli', ['-p', String(port), '-a', password, '--no-auth-warning', ...args], { stdio: 'ignore' }).once('exit', (c) => r(c ?? 1)));
  await waitFor('redis-server', async () => (await cli('ping')) === 0);
  return { url: `redis://default:${password}@127.0.0.1:${port}`, proc, flush: async () => void (await cli('flushall')), ping: () => pinger(port, password) };
}

/**
 * The machine's own loopback round trip to Redis, without any client library: one raw RESP PING at a
 * time on one socket. The probe interleaves it with its requests, so a shared hit's tail can be read
 * against the tail this machine puts on any loopback round trip at the same moment.
 */
async function pinger(port: number, password: string): Promise<{ ping(): Promise<number>; close(): void }> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  const roundTrip = (command: string): Promise<number> =>
    new Promise((resolve) => {
      const start = performance.now();
      socket.write(command);
      socket.once('data', () => resolve(performance.now() - start));
    });
  await roundTrip(`*2\r\n$4\r\nAUTH\r\n$${password.length}\r\n${password}\r\n`);
  return { ping: () => roundTrip('*1\r\n$4\r\nPING\r\n'), close: () => socket.destroy() };
}

interface Replica {
  readonly url: string;
  readonly proc: ChildProcess;
  /** Keep-alive connections to the replica: undici's request allocates far less per call than fetch (see drive). */
  readonly pool: Pool;
}

/** The claims stage's time (decision log `timings_us.claims`, µs) by cache outcome, read from the replicas' decision logs. */
const claimsUs = new Map<string, number[]>();
/** Replica stdout lines that are not decisions (`--trace-gc` with `--replica-node-args`), by tier, phase and kind. */
const gcLines = new Map<string, string[]>();
/** Every shared hit of the probe: when its decision line arrived (harness clock), which replica, the claims stage in µs. */
const tail: [number, number, number][] = [];
/** Which pass the decision log lines belong to: `load` (CONCURRENCY in flight) or `probe` (one at a time); `start` before both. */
let phase = 'load';
/** True while the harness waits for quiet replicas: collections then are labelled `settle`. */
let settling = false;

async function startReplicas(idp: FleetIdp, shared: { url: string; key: string } | undefined): Promise<Replica[]> {
  const replicas: Replica[] = [];
  for (let i = 0; i < N; i++) {
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      AUTHZ_ISSUER: idp.issuer,
      AUTHZ_AUDIENCE: AUDIENCE,
      AUTHZ_LISTEN: `127.0.0.1:${port}`,
      AUTHZ_BUNDLE: join(ROOT, 'bundles/authz.tar.gz'),
      AUTHZ_DECISION_LOG: 'stdout', // read below: the claims stage's time per cache outcome
      AUTHZ_LOG_LEVEL: 'warn',
      ...(shared ? { AUTHZ_CLAIMS_SHARED_URL: shared.url, AUTHZ_CLAIMS_SHARED_KEY: shared.key } : {}),
    };
    const proc = spawn(process.execPath, [...REPLICA_NODE_ARGS, join(ROOT, 'bin/authz-sidecar.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) {
        // Not a decision: `--trace-gc` writes its lines to stdout too. Counted per phase, printed at the end.
        const gc = `${shared ? 'on' : 'off'}:${settling ? 'settle' : phase}:${/(Scavenge|Mark-Compact|Minor Mark-Sweep|Mark-Sweep)/.exec(line)?.[1] ?? 'other'}`;
        gcLines.set(gc, [...(gcLines.get(gc) ?? []), line.replace(/^\[\d+:0x[0-9a-f]+\]\s*/, `r${i} `)]);
        return;
      }
      const e = JSON.parse(line) as { claims?: { cache?: string | null }; timings_us?: { claims: number } };
      const cache = `${shared ? 'on' : 'off'}:${phase}:${e.claims?.cache ?? 'none'}`;
      if (e.timings_us) (claimsUs.get(cache) ?? claimsUs.set(cache, []).get(cache)!).push(e.timings_us.claims);
      if (e.timings_us && cache === 'on:probe:shared') tail.push([performance.now(), i, e.timings_us.claims]);
    });
    replicas.push({ url: `http://127.0.0.1:${port}`, proc, pool: new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY }) });
  }
  for (const r of replicas) await waitFor(`replica ${r.url}`, async () => (await fetch(`${r.url}/ready`)).ok);
  return replicas;
}

interface Pass {
  readonly latencies: number[];
  readonly perReplica: number[][];
  statuses: Map<number, number>;
  wrong: number;
  ms: number;
}

/** Sends every (user, replica) pair of `plan` with CONCURRENCY in flight; every answer must be an allow. */
async function drive(replicas: Replica[], tokens: string[], plan: [number, number][], concurrency = CONCURRENCY, between?: () => Promise<unknown>): Promise<Pass> {
  const pass: Pass = { latencies: [], perReplica: replicas.map(() => []), statuses: new Map(), wrong: 0, ms: 0 };
  const body = JSON.stringify({ method: 'GET', path: '/api/orders/1' });
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const [user, replica] = plan[next++]!;
      const start = performance.now();
      let status = 0;
      let answer: { allow?: boolean } = {};
      try {
        const res = await replicas[replica]!.pool.request({ path: '/authorize', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[user]}` }, body });
        status = res.statusCode;
        answer = (await res.body.json()) as { allow?: boolean };
      } catch {
        status = 0; // a transport failure: counted as a wrong answer (status 0)
      }
      const res = { status };
      const ms = performance.now() - start;
      pass.latencies.push(ms);
      pass.perReplica[replica]!.push(ms);
      pass.statuses.set(res.status, (pass.statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 200 || answer.allow !== true) pass.wrong++;
      await between?.();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  pass.ms = performance.now() - t0;
  return pass;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (x: number): string => x.toFixed(2);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'authz-fleet-'));
  const redis = await startRedis(dir);
  const idp = await startFleetIdp(5, 10);
  const tokens = Array.from({ length: U }, (_, u) => idp.token(`user-${u}`, AUDIENCE, 3600));
  // The last PROBE users skip the loaded fan-out: they are asked one request at a time afterwards, on a replica
  // that has not seen them (a shared hit with the tier on, an IdP call off), then again (a local hit).
  const PROBE = Math.min(Number(values.probe), Math.floor(U / 2));
  const loaded = U - PROBE;
  const first: [number, number][] = tokens.map((_, u) => [u, u % N]);
  const fanout: [number, number][] = [];
  for (let k = 1; k < N; k++) for (let u = 0; u < loaded; u++) fanout.push([u, (u + k) % N]);
  const local: [number, number][] = tokens.slice(0, loaded).map((_, u) => [u, Math.floor(Math.random() * N)]);
  const probe: [number, number][] = [];
  for (let u = loaded; u < U; u++) probe.push([u, (u + 1) % N], [u, (u + 1) % N]);
  const rows: string[] = [];
  const details: string[] = [];
  const probes: string[] = [];
  const floors: string[] = [];
  const key = randomBytes(32).toString('base64');
  try {
    for (const mode of ['off', 'on'] as const) {
      await redis.flush();
      await idp.reset();
      phase = 'start';
      const replicas = await startReplicas(idp, mode === 'on' ? { url: redis.url, key } : undefined);
      try {
        const t0 = performance.now();
        phase = 'load';
        const passes = { first: await drive(replicas, tokens, first), fanout: await drive(replicas, tokens, fanout), local: await drive(replicas, tokens, local) };
        const seconds = (performance.now() - t0) / 1000;
        // The loaded passes' last decision log lines, and the collections their garbage starts: the probe
        // measures one request at a time on settled processes.
        settling = true;
        const settled = await settle(replicas);
        settling = false;
        phase = 'probe';
        const pinger = await redis.ping();
        const pings: number[] = [];
        const probed = await drive(replicas, tokens, probe, 1, async () => pings.push(await pinger.ping()));
        pinger.close();
        floors.push(`tier ${mode}: raw loopback PING to Redis from the harness, interleaved with the probe (${pings.length}): p50/p99 ${f(pct(pings, 50))}/${f(pct(pings, 99))} ms; probe began after the replicas were quiet for 0.5 s, ${f(settled / 1000)} s after the loaded passes`);
        const unseen = probed.latencies.filter((_, i) => i % 2 === 0);
        const again = probed.latencies.filter((_, i) => i % 2 === 1);
        probes.push(`tier ${mode}, one request at a time, ${PROBE} users: on a replica that had not seen the user p50/p99 ${f(pct(unseen, 50))}/${f(pct(unseen, 99))} ms; the same request again (local hit) ${f(pct(again, 50))}/${f(pct(again, 99))} ms; wrong answers ${probed.wrong}`);
        await new Promise((r) => setTimeout(r, 300));
        const all = Object.values(passes);
        const requests = all.reduce((n, p) => n + p.latencies.length, 0);
        const wrong = all.reduce((n, p) => n + p.wrong, 0);
        const refused503 = all.reduce((n, p) => n + (p.statuses.get(503) ?? 0), 0);
        const predicted = mode === 'off' ? U * N : U; // within one TTL: every replica once per user, or the fleet once
        const idpStats = await idp.stats();
        const calls = idpStats.userinfo;
        rows.push(
          `| ${mode} | ${N} | ${U} | ${requests} | ${calls} (${f(calls / U)} × U) | ${predicted} (${mode === 'off' ? `${N}` : '1'} × U) | ${f(calls / seconds)} | ${idpStats.refused} | ${refused503} | ${wrong} | ${f(requests / seconds)} | ${f(pct(passes.first.latencies, 50))} / ${f(pct(passes.first.latencies, 99))} | ${f(pct(passes.fanout.latencies, 50))} / ${f(pct(passes.fanout.latencies, 99))} | ${f(pct(passes.local.latencies, 50))} / ${f(pct(passes.local.latencies, 99))} |`,
        );
        const perReplica = replicas.map((_, i) => {
          const xs = all.flatMap((p) => p.perReplica[i]!);
          return `r${i} ${f(pct(xs, 50))}/${f(pct(xs, 99))}`;
        });
        details.push(`tier ${mode}: p50/p99 ms per replica, all passes: ${perReplica.join(', ')}; ${f(seconds)} s`);
        if (mode === 'on') {
          for (const [i, r] of replicas.entries()) {
            const st = (await (await fetch(`${r.url}/v1/status`)).json()) as { result?: Record<string, any> } & Record<string, any>;
            const body = st.result ?? st;
            details.push(`replica r${i} claims_shared: ${JSON.stringify(body['plugins']?.['claims_shared'])} ${JSON.stringify(body['claims_shared']?.outcomes)}`);
          }
        }
      } finally {
        await Promise.all(replicas.map((r) => r.pool.destroy()));
        for (const r of replicas) r.proc.kill('SIGTERM');
        await Promise.all(replicas.map((r) => new Promise((res) => (r.proc.exitCode !== null ? res(null) : r.proc.once('exit', res)))));
      }
    }
  } finally {
    redis.proc.kill('SIGKILL');
    idp.proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`fleet simulation: ${N} replicas, ${U} users, claims TTL ${TTL} s (the whole run is within one TTL), ${CONCURRENCY} requests in flight, IdP limit 5/min per user (burst 10)`);
  console.log('');
  console.log('| tier | replicas | users | requests | IdP userinfo calls | model | IdP calls/s | IdP refusals (429) | sidecar 503 | wrong answers | decisions/s | p50 / p99 ms first | p50 / p99 ms fan-out | p50 / p99 ms local |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log('');
  for (const d of details) console.log(`- ${d}`);
  console.log('');
  console.log('Claims stage inside the sidecar (decision log timings_us.claims), by cache outcome:');
  console.log('');
  console.log('| tier:outcome | decisions | p50 ms | p99 ms |');
  console.log('| --- | --- | --- | --- |');
  for (const [k, xs] of [...claimsUs].sort()) console.log(`| ${k} | ${xs.length} | ${f(pct(xs, 50) / 1000)} | ${f(pct(xs, 99) / 1000)} |`);
  console.log('');
  for (const p of probes) console.log(`- ${p}`);
  for (const p of floors) console.log(`- ${p}`);
  if (gcLines.size > 0) {
    console.log('\nCollections reported by the replicas (`--trace-gc`), by tier, phase and kind:');
    for (const [k, lines] of [...gcLines].sort()) console.log(`- ${k}: ${lines.length}${k.includes(':probe:') ? `\n    ${lines.join('\n    ')}` : ''}`);
  }
  if (tail.length > 0) {
    const t0 = tail[0]![0];
    // Whether the tail is a few stalls (clustered in time or on one replica) or spread thin: docs/fleet.md reads it.
    const slow = [...tail].sort((a, b) => b[2] - a[2]).slice(0, Math.ceil(tail.length / 50));
    console.log(`\nThe ${slow.length} slowest shared hits of the probe (ms after the first, replica, claims stage ms), in time order:`);
    for (const [t, r, us] of slow.sort((a, b) => a[0] - b[0])) console.log(`  ${(t - t0).toFixed(0)} r${r} ${f(us / 1000)}`);
  }
  const hit = claimsUs.get('on:probe:hit') ?? [];
  const shared = claimsUs.get('on:probe:shared') ?? [];
  if (hit.length > 0 && shared.length > 0) console.log(`\nA shared-tier hit adds ${f((pct(shared, 99) - pct(hit, 99)) / 1000)} ms at p99 (${f((pct(shared, 50) - pct(hit, 50)) / 1000)} ms at p50) to the claims stage, against a local hit (one request at a time).`);
}

await main();
