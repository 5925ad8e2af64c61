/**
 * The benchmark: authz-sidecar, a stock OPA sidecar doing the same job, and a bare node:http
 * ceiling, under the same load on loopback. See bench/README.md.
 *
 *   npm run bench [-- --quick] [--scenarios hot,cold-token] [--rounds 3] [--duration 10]
 *                 [--connections 32] [--generator wrk|autocannon] [--no-profile] [--readme|--no-readme]
 *                 [--wait-quiet <minutes>] [--sidecar-node-args "<node flags>"] [--many-subjects N]  (ports: --base-port .. +5)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChild, waitUntil, type Child } from './lib/child.ts';
import { choosePinning, lastCores, pinned } from './lib/pinning.ts';
import { busyOf, coreBusySeconds, coreList, cpuSeconds, memory, treeCpuSeconds } from './lib/proc-stats.ts';
import { describeMachine, waitForIdleTarget, waitForQuiet } from './lib/machine.ts';
import { chooseGenerator, runLoad, type Generator } from './load/load.ts';
import { fill, sampleLast } from './load/fill.ts';
import { authzenRequest, subOf } from './load/authzen-request.ts';
import { aggregate, judge, renderMarkdown, updateReadme, type Measurement, type Results, type TargetResult } from './report/report.ts';
import { summarizeProfile, type CpuProfile } from './report/summarize-profile.ts';
import { coldTokenPool, FIXED_RATE, hotSet, scenarios, type Scenario, type SetSpec } from './scenarios.ts';
import { writeLines } from './lib/lines.ts';
import { gcPausesBetween, loopDelay } from './lib/loop-delay.ts';
import { startBare } from './targets/bare.ts';
import { startOpa } from './targets/opa.ts';
import { startSidecar } from './targets/sidecar.ts';
import type { StartOptions, Target, TargetName } from './targets/target.ts';
import { loadOrCreateKey } from './tokens/signing-key.ts';
import { tokenSet } from './tokens/token-sets.ts';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(BENCH, '..');
const RESULTS = join(BENCH, 'results');
const AUDIENCE = 'bench-api';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '32' },
    generator: { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    readme: { type: 'boolean' },
    'no-readme': { type: 'boolean', default: false },
    'userinfo-latency-ms': { type: 'string', default: '2' },
    'base-port': { type: 'string', default: '18180' },
    'wait-quiet': { type: 'string' },
    'sidecar-node-args': { type: 'string' },
    'many-subjects': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*?|^ \* ?/gm, ''));
  process.exit(0);
}

const quick = args.quick;
const settings = {
  mode: quick ? 'quick' : 'full',
  sidecar_node_args: args['sidecar-node-args'] ?? '',
  duration_s: Number(args.duration ?? (quick ? 4 : 8)),
  cold_duration_s: Number(args.duration ?? (quick ? 3 : 5)),
  warmup_s: quick ? 2 : 3,
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
  connections: Number(args.connections),
  userinfo_latency_ms: Number(args['userinfo-latency-ms']),
  token_pool: quick ? 30_000 : 100_000,
  subjects: quick ? 10_000 : 100_000,
  many_subjects: Number(args['many-subjects'] ?? (quick ? 20_000 : 1_000_000)),
  fixed_rate_s: quick ? 4 : 8,
};
const basePort = Number(args['base-port']);
const ports = { idp: basePort, sidecar: basePort + 1, opa: basePort + 2, bare: basePort + 3, 'sidecar-1-worker': basePort + 5 };
const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);

const pinning = choosePinning();
const generator = chooseGenerator(args.generator);
const sizes = { pool: settings.token_pool, subjects: settings.subjects, manySubjects: settings.many_subjects };
const selected = scenarios(sizes).filter(
  (s) => !args.scenarios || args.scenarios.split(',').includes(s.name),
);
if (selected.length === 0) throw new Error(`no scenario matches --scenarios ${args.scenarios}`);
for (const need of [join(ROOT, 'bundles/authz.tar.gz'), join(ROOT, '.tools/bin/opa')]) {
  if (!existsSync(need)) throw new Error(`${need} is missing: run the benchmark with 'npm run bench' (it builds it)`);
}

// A shared machine makes every number noisy: say how busy it is before starting, and optionally wait.
const quietness = await waitForQuiet(Number(args['wait-quiet'] ?? 0), log);
const work = mkdtempSync(join(tmpdir(), 'authz-bench-'));
const children: Child[] = [];
const started = Date.now();
let ok = false;
try {
  // --- the IdP stand-in and the tokens -------------------------------------------------------
  const key = loadOrCreateKey(join(BENCH, '.cache'));
  const jwkFile = join(work, 'idp-public-jwk.json');
  writeFileSync(jwkFile, JSON.stringify(key.publicJwk));
  const issuer = `http://127.0.0.1:${ports.idp}`;
  const [idpCmd, idpArgs] = pinned(pinning.load, process.execPath, [join(BENCH, 'src/idp/idp-standin.ts'), String(ports.idp), jwkFile, String(settings.userinfo_latency_ms)]);
  const idp = startChild(idpCmd, idpArgs, { stdoutFile: join(work, 'idp.stdout.log'), stderrFile: join(work, 'idp.stderr.log') });
  children.push(idp);
  await waitUntil('the IdP stand-in', idp, async () => (await fetch(`${issuer}/stats`)).ok);
  const userinfoCalls = async (): Promise<number> => ((await (await fetch(`${issuer}/stats`)).json()) as { userinfo: number }).userinfo;

  // Each named set is signed once at the largest count any scenario needs; smaller uses take a prefix.
  const wanted = new Map<string, SetSpec>();
  for (const s of selected) {
    for (const spec of [s.prime, s.measure, s.fill, ...(s.name === 'hot' || !args['no-profile'] ? [hotSet()] : [])]) {
      if (spec && (wanted.get(spec.name)?.count ?? 0) < spec.count) wanted.set(spec.name, spec);
    }
  }
  const referencePool = coldTokenPool(30_000);
  if ((wanted.get(referencePool.name)?.count ?? 0) < referencePool.count) wanted.set(referencePool.name, referencePool);
  const signed = new Map<string, string[]>();
  for (const spec of wanted.values()) {
    signed.set(spec.name, await tokenSet({ ...spec, issuer, audience: AUDIENCE }, key, join(BENCH, '.cache'), log));
  }
  const tokensOf = (spec: SetSpec): string[] => {
    const all = signed.get(spec.name)!.slice(0, spec.count);
    return spec.stride && spec.stride > 1 ? all.filter((_, i) => i % spec.stride! === 0) : all;
  };
  const fileOf = (spec: SetSpec): string => {
    const file = join(work, `tokens-${spec.name}-${spec.count}${spec.stride ? `-every-${spec.stride}` : ''}.txt`);
    if (!existsSync(file)) writeLines(file, tokensOf(spec));
    return file;
  };
  /** The AuthZEN scenarios name each token's subject in the request: `<sub> <token>` lines. */
  const requestsFileOf = (s: Scenario, spec: SetSpec): string => {
    if (!s.authzen) return fileOf(spec);
    const file = join(work, `subjects-tokens-${spec.name}-${spec.count}.txt`);
    if (!existsSync(file)) writeLines(file, tokensOf(spec).map((t) => `${subOf(t)} ${t}`));
    return file;
  };

  // --- the reference: jose's raw verification rate on the target's core -----------------------
  const joseRate = (seconds: number): Record<string, number> => {
    const [refCmd, refArgs] = pinned(pinning.target, process.execPath, [join(BENCH, 'src/reference/jose-rate.ts'), jwkFile, fileOf(referencePool), issuer, AUDIENCE, String(seconds)]);
    return JSON.parse(execFileSync(refCmd, refArgs, { cwd: BENCH, encoding: 'utf8' })) as Record<string, number>;
  };
  log('measuring jose verification on the target core');
  const reference = joseRate(quick ? 2 : 4);
  log(`jose: ${JSON.stringify(reference)}`);

  // --- the scenarios -----------------------------------------------------------------------------
  /**
   * Where a scenario runs a target: one core of its own (the last) unless the scenario gives it more
   * (the last N, which on an N-core machine include the load generator's), and the sidecar's workers.
   */
  const placement = (s: Scenario | undefined, name: TargetName): { cpus: string | undefined; workers: number | undefined; extra: Record<string, unknown> } => {
    const n = s?.cores?.[name] ?? 1;
    const cpus = n > 1 ? lastCores(pinning, n) : pinning.target;
    const workers = name === 'sidecar' ? s?.sidecarWorkers : undefined;
    if (!s?.cores && !s?.sidecarWorkers) return { cpus, workers, extra: {} };
    // These scenarios set targets side by side that differ in cores or processes: each row says where it ran.
    const count = coreList(cpus, pinning.cores).length;
    const where = cpus === undefined ? 'unpinned' : `${count > 1 ? 'cores' : 'core'} ${cpus}`;
    const label =
      name === 'sidecar' || name === 'sidecar-1-worker' ? `authz-sidecar, ${workers ?? 1} worker${(workers ?? 1) > 1 ? 's' : ''} on ${where}`
      : name === 'opa' ? `stock OPA on ${where} (GOMAXPROCS ${count})`
      : `bare node:http on ${where}`;
    return { cpus, workers, extra: { label, cpus: cpus ?? 'unpinned', ...(workers ? { workers } : {}), ...(sharesLoadCore(cpus) ? { shares_load_core: true } : {}) } };
  };
  /** Whether a target on `cpus` may run on a core of the load generator and IdP stand-in (always when nothing is pinned). */
  const sharesLoadCore = (cpus: string | undefined): boolean => coreList(cpus, pinning.cores).some((c) => coreList(pinning.load, pinning.cores).includes(c));

  const startTarget = (name: TargetName, dir: string, s: Scenario | undefined, cpuProfile?: StartOptions['cpuProfile']): Promise<Target> => {
    const nodeArgs = args['sidecar-node-args']?.split(' ').filter(Boolean);
    const { cpus, workers } = placement(s, name);
    const sidecar = name === 'sidecar' || name === 'sidecar-1-worker';
    const o: StartOptions = {
      root: ROOT, port: ports[name], issuer, audience: AUDIENCE, dir, cpu: cpus, cpuProfile, nodeArgs, name, workers,
      grpcPort: s?.wire === 'grpc' ? basePort + 4 : undefined,
      config: sidecar ? s?.sidecarConfig : undefined,
    };
    return sidecar ? startSidecar(o) : name === 'opa' ? startOpa(o) : startBare(o);
  };

  /** CPU seconds of the load side so far: the harness and the generators it has reaped (wrk, autocannon), and the IdP stand-in. */
  const loadSideCpu = (): number => cpuSeconds(process.pid) + treeCpuSeconds(idp.pid);

  /** Checks every priming decision (claims now cached), then warms the target up with the same tokens. */
  const prepare = async (t: Target, s: Scenario, dir: string): Promise<void> => {
    const prime = tokensOf(s.prime);
    for (let i = 0; i < prime.length; i += 8) {
      const allowed = await Promise.all(prime.slice(i, i + 8).map((tok) => t.decide(tok)));
      if (allowed.includes(false)) throw new Error(`${t.name} denied a request it must allow (scenario ${s.name}); see ${dir}`);
    }
    if (s.authzen) await checkAuthzen(t, prime[0]!, s.authzen, dir);
    await runLoad(s.wire ? 'extauthz' : generator.name, { url: t.url, wire: t.wire, tokensFile: requestsFileOf(s, s.prime), authzen: s.authzen, connections: settings.connections, durationS: settings.warmup_s, cpu: pinning.load, outFile: join(dir, `${t.name}-warmup.json`) });
  };

  /** An AuthZEN scenario's request must be answered with n permits, or the load would measure denials. */
  const checkAuthzen = async (t: Target, token: string, n: number, dir: string): Promise<void> => {
    const q = authzenRequest(t.wire === 'opa' ? 'opa' : 'sidecar', subOf(token), token, n);
    const res = await fetch(`${t.url}${q.path}`, { method: 'POST', headers: q.headers, body: q.body });
    const body = (await res.json()) as { decision?: boolean; evaluations?: { decision: boolean }[]; result?: unknown };
    const answer = (t.wire === 'opa' ? body.result : body) as { decision?: boolean; evaluations?: { decision: boolean }[] } | { decision: boolean }[];
    const decisions = Array.isArray(answer) ? answer.map((e) => e.decision) : n === 1 ? [answer?.decision] : (answer?.evaluations ?? []).map((e) => e.decision);
    if (res.status !== 200 || decisions.length !== n || decisions.some((d) => d !== true)) {
      throw new Error(`${t.name} did not permit the AuthZEN request (${res.status} ${JSON.stringify(body).slice(0, 300)}); see ${dir}`);
    }
  };

  const measure = async (gen: Generator, t: Target, s: Scenario, dir: string, label: string): Promise<Measurement> => {
    const durationS = s.consumesTokens ? settings.cold_duration_s : settings.duration_s;
    const ui = await userinfoCalls();
    // The sidecar's event-loop delay histogram (prom-client, perf_hooks.monitorEventLoopDelay) resets at each scrape.
    const delay = s.loopDelay && t.name === 'sidecar' && t.wire === 'sidecar' ? t.url : undefined;
    const lagBefore = delay ? await loopDelay(delay) : undefined;
    // The whole process tree: in cluster mode the primary and its workers.
    const cpu = treeCpuSeconds(t.pid);
    const loadSide = loadSideCpu();
    const before = coreBusySeconds();
    const wallStart = performance.now();
    const busy = busyOf(before, t.cpus);
    const loadBusy = busyOf(before, pinning.load);
    const r = await runLoad(gen, { url: t.url, wire: t.wire, tokensFile: requestsFileOf(s, s.measure), authzen: s.authzen, connections: settings.connections, durationS, cpu: pinning.load, outFile: join(dir, `${t.name}-${label}.json`) });
    const targetCpu = treeCpuSeconds(t.pid) - cpu;
    const loadSideUsed = loadSideCpu() - loadSide;
    const after = coreBusySeconds();
    const lag = delay ? await loopDelay(delay) : undefined;
    const gc = lag && lagBefore ? gcPausesBetween(lagBefore, lag, 20) : undefined;
    // Core readings span the generator's start-up too (wrk formats every request first), so divide by wall time.
    const wallS = (performance.now() - wallStart) / 1000;
    // A target given the load generator's core shares it: what the load side used there is not "other load".
    const otherCpu = busyOf(after, t.cpus) - busy - targetCpu - (sharesLoadCore(t.cpus) ? loadSideUsed : 0);
    const m: Measurement = {
      rps: r.rps,
      p50_ms: r.p50Ms,
      p99_ms: r.p99Ms,
      p999_ms: r.p999Ms,
      cpu_cores: Number((targetCpu / r.durationS).toFixed(2)),
      requests: r.requests,
      errors: r.errors,
      ...(r.errors > 0 && r.errorKinds ? { error_kinds: r.errorKinds } : {}),
      userinfo_calls: (await userinfoCalls()) - ui,
      // Only a problem where every request must carry a token the target has not seen.
      token_list_wraps: s.consumesTokens && t.name !== 'bare' ? r.wraps : 0,
      other_cpu_on_target_core: Number(Math.max(0, otherCpu / wallS).toFixed(2)),
      load_core_busy: Number(((busyOf(after, pinning.load) - loadBusy) / wallS).toFixed(2)),
      load_side_cpu_cores: Number((loadSideUsed / wallS).toFixed(2)),
      ...(lag ? { loop_delay_p99_ms: lag.p99Ms, loop_delay_max_ms: lag.maxMs } : {}),
      ...(gc ? { gc_pauses: gc.pauses, gc_pauses_over_20ms: gc.over, gc_longest_at_most_ms: gc.longestAtMostMs } : {}),
    };
    log(`  ${s.name} ${label} ${t.name}: ${Math.round(m.rps)} req/s, p50 ${m.p50_ms} ms, p99 ${m.p99_ms} ms, p99.9 ${m.p999_ms} ms, ` +
        `cpu ${m.cpu_cores} (others on its core ${m.other_cpu_on_target_core}; load core busy ${m.load_core_busy}, load side ${m.load_side_cpu_cores}), userinfo ${m.userinfo_calls}${lag ? `, loop delay p99 ${lag.p99Ms} ms max ${lag.maxMs} ms` : ''}${gc ? `, GC pauses ${gc.pauses} (over 20 ms ${gc.over}, longest ≤ ${gc.longestAtMostMs} ms)` : ''}${m.errors ? `, ERRORS ${m.errors}${m.error_kinds ? ` (${Object.entries(m.error_kinds).map(([k, n]) => `${k}: ${n}`).join('; ')})` : ''}` : ''}${m.token_list_wraps ? `, token list wrapped ${m.token_list_wraps}×` : ''}`);
    return m;
  };

  /**
   * CPU time per decision at FIXED_RATE req/s (autocannon's overall rate; wrk has none): the target's CPU
   * seconds over the requests answered. Rotates over the last tokens of the measured set, which the
   * throughput run (shorter, from the start of the list) has not reached, so cold tokens stay cold.
   */
  const fixedRate = async (t: Target, s: Scenario, dir: string): Promise<Record<string, number>> => {
    const all = tokensOf(s.measure);
    const need = FIXED_RATE * settings.fixed_rate_s + 1000;
    const file = join(dir, `${t.name}-fixed-rate-tokens.txt`);
    writeLines(file, s.consumesTokens || s.fill ? all.slice(-Math.min(all.length, need)) : all);
    const cpu = treeCpuSeconds(t.pid);
    const r = await runLoad('autocannon', { url: t.url, wire: t.wire, tokensFile: file, connections: 10, durationS: settings.fixed_rate_s, rate: FIXED_RATE, cpu: pinning.load, outFile: join(dir, `${t.name}-fixed-rate.json`) });
    const us = r.requests > 0 ? ((treeCpuSeconds(t.pid) - cpu) * 1e6) / r.requests : 0;
    log(`  ${s.name} ${t.name} at ${FIXED_RATE} req/s: ${us.toFixed(0)} µs CPU per decision (${r.requests} requests, p99 ${r.p99Ms} ms)`);
    return { cpu_us_per_decision_at_1k: Math.round(us), fixed_rate_rps: Math.round(r.rps), fixed_rate_p99_ms: r.p99Ms };
  };

  const scenarioResults: Results['scenarios'] = {};
  const profiles: Record<string, string> = {};
  for (const s of selected) {
    log(`scenario ${s.name}: ${s.description}`);
    const rounds = new Map<TargetName, Measurement[]>(s.targets.map((t) => [t, []]));
    const peak = new Map<TargetName, number>();
    const extra = new Map<TargetName, Record<string, unknown>>();
    const joseAdjacent: number[] = [];
    for (let round = 0; round < Math.min(settings.rounds, s.maxRounds ?? Infinity); round++) {
      // Fresh processes every round: empty caches, so no token is ever seen twice by one process.
      const dir = join(work, `${s.name}-r${round + 1}`);
      mkdirSync(dir, { recursive: true });
      const order = s.targets.map((_, i) => s.targets[(i + round) % s.targets.length]!);
      const running: Target[] = [];
      try {
        for (const name of s.targets) {
          // A scenario that fills the caches is long: its measured run is also the profiled one (the profile covers the fill).
          const profile = s.fill && name === 'sidecar' && !args['no-profile'] ? { dir: RESULTS, name: `sidecar-${s.name}.cpuprofile` } : undefined;
          if (profile) mkdirSync(RESULTS, { recursive: true });
          const t = await startTarget(name, dir, s, profile);
          children.push(t.child);
          running.push(t);
          if (round === 0) extra.set(name, { ...extra.get(name), ...placement(s, name).extra });
        }
        for (const name of order) {
          const t = running.find((r) => r.name === name)!;
          await prepare(t, s, dir);
          if (s.fill) {
            const before = memory(t.pid).rssMb;
            const f = await fill(t.url, t.wire, s.measure.name === s.fill.name ? sampleLast(tokensOf(s.fill), s.measure.stride) : tokensOf(s.fill));
            const after = memory(t.pid).rssMb;
            // The fill's own tail (collecting what it allocated, the decision log's backlog) is not the rotating
            // load's: the measurement starts once the target is idle, and how long that took is reported.
            const tail = await waitForIdleTarget(t.pid, treeCpuSeconds);
            const idleRss = memory(t.pid).rssMb;
            log(`  ${t.name}: busy for ${tail.toFixed(1)} s after the fill; RSS then ${idleRss.toFixed(0)} MB`);
            if (f.failed) log(`  ${t.name}: ${f.failed} of ${f.sent} fill requests failed: ${JSON.stringify(f.kinds)}`);
            const perSubjects = ((after - before) * 100_000) / s.fill.count;
            extra.set(name, { subjects: s.fill.count, fill_failed: f.failed, ...(f.failed ? { fill_failed_kinds: f.kinds } : {}), rss_before_fill_mb: Number(before.toFixed(1)), rss_after_fill_mb: Number(after.toFixed(1)), rss_mb_per_100k_subjects: Number(perSubjects.toFixed(1)), busy_after_fill_s: Number(tail.toFixed(1)), rss_once_idle_mb: Number(idleRss.toFixed(1)) });
            log(`  ${t.name}: filled ${s.fill.count} subjects in ${f.seconds.toFixed(1)} s, RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MB (${perSubjects.toFixed(0)} MB per 100,000)`);
          }
          rounds.get(name)!.push(await measure(s.wire ? 'extauthz' : generator.name, t, s, dir, `round${round + 1}`));
          if (s.fixedRate && round === 0) extra.set(name, { ...extra.get(name), ...(await fixedRate(t, s, dir)) });
          if (s.name === 'cold-token' && name === 'sidecar') {
            // The machine's speed drifts (it is shared): measure the reference right next to the run it judges.
            const rate = joseRate(2)['jose_verify_per_s_64_in_flight']!;
            joseAdjacent.push(rate);
            log(`  jose right after: ${rate} verifications/s`);
          }
        }
      } finally {
        for (const t of running) {
          try {
            peak.set(t.name, Math.max(peak.get(t.name) ?? 0, memory(t.pid).peakMb));
          } catch {
            // already gone
          }
          const info = await t.stop();
          const raw = join(RESULTS, `sidecar-${s.name}.cpuprofile`);
          if (t.name === 'sidecar' && s.fill && !args['no-profile'] && existsSync(raw)) {
            const title =
              `CPU profile of authz-sidecar, scenario ${s.name}: ${s.description}.\n` +
              `node --cpu-prof over the whole process life of the measured run (start-up, priming, the fill, warm-up, the load); raw profile: bench/results/sidecar-${s.name}.cpuprofile (git-ignored).`;
            writeFileSync(join(RESULTS, `profile-${s.name}.txt`), summarizeProfile(JSON.parse(readFileSync(raw, 'utf8')) as CpuProfile, title));
            profiles[s.name] = `bench/results/profile-${s.name}.txt`;
          }
          if (t.name === 'sidecar' || t.name === 'sidecar-1-worker') {
            const e = extra.get(t.name) ?? {};
            const add = (k: string): number => Number(e[k] ?? 0) + Number(info[k] ?? 0);
            extra.set(t.name, { ...e, decisions_logged: add('decisions_logged'), decisions_dropped: add('decisions_dropped') });
          }
        }
      }
    }
    if (joseAdjacent.length) {
      const sorted = [...joseAdjacent].sort((a, b) => a - b);
      extra.set('sidecar', { ...extra.get('sidecar'), jose_verify_per_s_adjacent: sorted[Math.floor(sorted.length / 2)], jose_verify_per_s_rounds: joseAdjacent });
    }
    scenarioResults[s.name] = Object.fromEntries(
      [...rounds].map(([name, ms]) => [name, aggregate(ms, peak.get(name) ?? 0, extra.get(name))]),
    ) as Partial<Record<TargetName, TargetResult>>;
  }

  // --- CPU profiles of the sidecar, in separate runs so profiling does not touch the numbers ---
  if (!args['no-profile']) {
    mkdirSync(RESULTS, { recursive: true });
    for (const s of scenarios(sizes).filter((x) => ['hot', 'cold-token', 'roles-30000'].includes(x.name))) {
      if (!wanted.has(s.measure.name)) continue;
      const dir = join(work, `profile-${s.name}`);
      mkdirSync(dir, { recursive: true });
      const name = `sidecar-${s.name}.cpuprofile`;
      rmSync(join(RESULTS, name), { force: true });
      log(`profiling the sidecar in scenario ${s.name}`);
      const t = await startTarget('sidecar', dir, undefined, { dir: RESULTS, name });
      children.push(t.child);
      let m: Measurement;
      try {
        await prepare(t, s, dir);
        m = await measure(generator.name, t, s, dir, 'profiled');
      } finally {
        await t.stop();
      }
      const title =
        `CPU profile of authz-sidecar (${m.rps.toFixed(0)} req/s while profiled), scenario ${s.name}: ${s.description}.\n` +
        `node --cpu-prof over the whole process life (start-up, priming, warm-up, ${s.consumesTokens ? settings.cold_duration_s : settings.duration_s} s of load); ` +
        `raw profile: bench/results/${name} (git-ignored; open in Chrome DevTools).`;
      const text = summarizeProfile(JSON.parse(readFileSync(join(RESULTS, name), 'utf8')) as CpuProfile, title);
      writeFileSync(join(RESULTS, `profile-${s.name}.txt`), text);
      profiles[s.name] = `bench/results/profile-${s.name}.txt`;
    }
  }

  // --- the report --------------------------------------------------------------------------------
  const results: Results = {
    machine: { ...describeMachine(ROOT, generator, pinning.description), busy_cores_before_start: quietness },
    settings: { ...settings, wall_s: Math.round((Date.now() - started) / 1000) },
    reference,
    scenarios: scenarioResults,
    descriptions: Object.fromEntries(selected.map((s) => [s.name, s.description])),
    targets: judge(scenarioResults, reference),
    profiles,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results);
  writeFileSync(join(RESULTS, 'latest.md'), markdown);
  process.stdout.write(`\n${markdown}\n`);
  const readme = args.readme ?? (!quick && !args['no-readme'] && !args.scenarios);
  if (readme && !args['no-readme']) log(updateReadme(join(ROOT, 'bench', 'README.md'), markdown) ? 'bench/README.md table updated' : 'bench/README.md has no bench markers; not updated');
  log(`wrote bench/results/latest.json in ${Math.round((Date.now() - started) / 1000)} s`);
  ok = true;
} finally {
  for (const c of children.reverse()) await c.stop(3000);
  if (ok) rmSync(work, { recursive: true, force: true });
  else log(`logs kept in ${work}`);
}
