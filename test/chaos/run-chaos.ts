/**
 * `npm run chaos [-- --duration 30m] [--seed N] [--short] [--rate R] [--out DIR]`: the soak run of
 * docs/chaos.md. Real parts on loopback (the sidecar as its own process with 2 workers, the demo IdP
 * behind a fault proxy, a bundle server, a decision-log collector, Prometheus when installed), load
 * from many subjects, faults on a seeded schedule, every answer judged by the oracle, every decision
 * record accounted for. Exits 1 when a wrong allow, an unexplained deny, a lost record or a broken
 * chain was seen.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemoIdp } from '../../src/demo/demo-idp.ts';
import { DEMO_AUDIENCE, DEMO_CLIENT_ID } from '../../src/demo/demo-users.ts';
import { buildBundle, ROOT, rsaKeyFiles, tempDir } from '../helpers/bundles.ts';
import { startBundleServer } from '../helpers/bundle-server.ts';
import { startTestRedis } from '../helpers/redis-server.ts';
import { account, logFiles, recordedIds, verifyChain } from './accounting.ts';
import { startCollector } from './collector.ts';
import { startFaultProxy } from './fault-proxy.ts';
import { startLoad } from './load.ts';
import { readPolicyData } from './oracle.ts';
import type { ChaosParts, PhaseSpec } from './phases.ts';
import { checkRules, freePort, RULES_FILE, startPrometheus, which, type AlertWatch } from './prometheus.ts';
import { formatReport, type ChaosReport } from './report.ts';
import { createRng } from './rng.ts';
import { parseDuration, planSchedule } from './schedule.ts';
import { sampleResources, startSidecarProcess } from './sidecar-process.ts';
import { createMinter, makeSubjects, newSigningKey } from './tokens.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    seed: { type: 'string', default: '1' },
    short: { type: 'boolean', default: false },
    rate: { type: 'string', default: '80' },
    subjects: { type: 'string', default: '400' },
    out: { type: 'string' },
  },
});
const durationMs = parseDuration(values.duration ?? (values.short ? '2m' : '5m'));
const seed = Number(values.seed);
const rate = Number(values.rate);
const rng = createRng(seed);
const dir = resolve(values.out ?? join(ROOT, '.chaos', new Date().toISOString().replace(/[:.]/g, '-')));
mkdirSync(dir, { recursive: true });
const say = (msg: string): void => void process.stderr.write(`chaos ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const notes: string[] = [];

// Two revisions of the sample policy: the same rules and grants, different data revision markers, so
// "a new revision" changes what is active but not one decision (the oracle stays exact).
const keys = rsaKeyFiles(tempDir());
const revisions = [1, 2].map((n) => {
  const src = join(tempDir('authz-chaos-rev-'), 'authz');
  cpSync(join(ROOT, 'rego/authz'), src, { recursive: true });
  const data = JSON.parse(readFileSync(join(src, 'data.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(src, 'data.json'), JSON.stringify({ ...data, chaos_revision: n }));
  return readFileSync(buildBundle(src, join(tempDir(), `rev${n}.tar.gz`), 'authz', { key: keys.privateKey }));
});
const policyData = readPolicyData();

const subjects = makeSubjects(Number(values.subjects));
const idp = await startDemoIdp({ port: 0, users: Object.fromEntries(subjects.map((s) => [s.sub, { name: s.sub, roles: s.roles, groups: s.groups }])) });
const proxy = await startFaultProxy(idp.issuer);
// The issuer (and so discovery's jwks_uri and userinfo_endpoint) is the proxy: every IdP call crosses it.
idp.server.issuer.url = proxy.url;
const first = await newSigningKey('chaos-1');
await idp.server.issuer.keys.add(first.jwk);
const minter = createMinter(proxy.url, DEMO_AUDIENCE, DEMO_CLIENT_ID, first, await newSigningKey('forger'));
const collector = await startCollector();
const BUNDLE_TOKEN = 'chaos-bundle-token';
const bundles = await startBundleServer('/bundles/authz.tar.gz', revisions[0]!, BUNDLE_TOKEN);
// The shared claims tier (docs/fleet.md): a real redis-server (scripts/install-redis.sh) on a free loopback
// port, and a fleet key of the run's own.
const redis = await startTestRedis(randomBytes(18).toString('base64url'));
const fleetKey = randomBytes(32).toString('base64');
const apiPort = await freePort();
const diagPort = await freePort();
const url = `http://127.0.0.1:${apiPort}`;

/**
 * The default configuration, except what the run needs to see effects within minutes: bundles polled
 * every 1–2 s (default 60–120 s), claims cached 15 s (default 300 s) so IdP faults reach subjects
 * already seen, the log file rotated at 1 MB, uploads flushed every 0.5 s with at most 2 s backoff.
 */
const config = (variant: 'base' | 'reloaded' | 'invalid'): Record<string, unknown> => ({
  listen: `127.0.0.1:${apiPort}`,
  diagnostics: { listen: `127.0.0.1:${diagPort}` },
  workers: 2,
  issuer: proxy.url,
  audience: [DEMO_AUDIENCE],
  policy: {
    source: 'http',
    server: { url: bundles.url, authorization: `Bearer ${BUNDLE_TOKEN}`, minDelayMs: 1000, maxDelayMs: 2000 },
    persistDir: join(dir, 'bundles'),
    signing: { keyFile: keys.publicKey },
  },
  claims: { cacheTtlSeconds: 15, shared: { url: redis.url, key: fleetKey } },
  decisionLog: {
    target: join(dir, 'decisions.log'),
    file: { maxBytes: variant === 'reloaded' ? 1_500_000 : 1_000_000 },
    http: { url: collector.url, flushIntervalMs: 500, retryMaxMs: 2000 },
  },
  ...(variant === 'invalid' ? { token: { clockToleranceSeconds: 100_000 } } : {}),
});

say(`run directory ${dir}; seed ${seed}; ${durationMs / 1000} s at ${rate} req/s`);
const sidecar = await startSidecarProcess(dir, url, config('base'));
let prometheus: AlertWatch | undefined;
// If the harness dies, it takes the processes it started with it.
process.on('exit', () => {
  for (const pid of sidecar.pids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  prometheus?.kill();
  redis.kill().catch(() => undefined);
});
say(`sidecar ready on ${url} (pid ${sidecar.pid}, workers ${sidecar.workerPids().join(', ')})`);

let promNote = 'not installed (scripts/install-prometheus.sh): alerts not checked';
const alertWindow = durationMs >= 10 * 60_000 ? '30s' : '10s';
if (which('prometheus') && which('promtool')) {
  const checked = checkRules(RULES_FILE);
  if (!checked.ok) throw new Error(`promtool check rules failed:\n${checked.output}`);
  prometheus = await startPrometheus(dir, `127.0.0.1:${diagPort}`, alertWindow);
  promNote = `${prometheus.url}, scrape and rule evaluation every 1 s, rule windows ${alertWindow}, no for: delay (deploy/prometheus rules, shortened)`;
}

const timeline: { spec: PhaseSpec; start: number; end?: number }[] = [];
const parts: ChaosParts = {
  idp,
  redis,
  proxy,
  collector,
  bundles,
  revisions,
  sidecar,
  minter,
  config,
  note: (event, detail) => say(`${event}${detail ? ` ${JSON.stringify(detail)}` : ''}`),
};
const current = (): string => timeline.at(-1)?.spec.name ?? 'healthy';
const load = startLoad({
  url,
  ratePerSecond: rate,
  subjects,
  data: policyData,
  minter,
  rng: createRng(seed + 1),
  phase: current,
  tolerated(sentAt, answeredAt) {
    const codes = new Set<string>();
    for (const p of timeline) {
      if (p.start <= answeredAt && (p.end === undefined || p.end + p.spec.graceMs >= sentAt)) for (const c of p.spec.tolerated) codes.add(c);
    }
    return codes;
  },
});

// RSS and fds every 2 s; the decision-log drop counters (summed over workers by the primary) too,
// made monotonic across worker restarts and sidecar restarts (a counter that went down was reset).
const samples: { t: number; rss: number; fds: number }[] = [];
const dropBase = new Map<string, number>();
const dropLast = new Map<string, number>();
const sample = async (): Promise<void> => {
  const pids = sidecar.pids();
  if (pids.length > 0) samples.push({ t: Date.now(), ...sampleResources(pids) });
  const text = await fetch(`http://127.0.0.1:${diagPort}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
  for (const m of text.matchAll(/^authz_decision_log_dropped_total\{([^}]*)\} (\d+)/gm)) {
    const key = m[1]!.replace(/"/g, '');
    const v = Number(m[2]);
    const last = dropLast.get(key) ?? 0;
    if (v < last) dropBase.set(key, (dropBase.get(key) ?? 0) + last);
    dropLast.set(key, v);
  }
};
const sampler = setInterval(() => void sample(), 2000);

const schedule = planSchedule(rng, durationMs);
const checkFailures: string[] = [];
const t0 = Date.now();
for (const planned of schedule) {
  const entry: { spec: PhaseSpec; start: number; end?: number } = { spec: planned.spec, start: Date.now() };
  timeline.push(entry);
  if (planned.spec.name !== 'healthy') say(`fault ${planned.spec.name} for ${Math.round(planned.durationMs / 1000)} s`);
  await planned.spec.begin(parts);
  const wait = t0 + planned.at + planned.durationMs - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  for (const problem of (await planned.spec.check?.(parts)) ?? []) checkFailures.push(`${planned.spec.name}: ${problem}`);
  await planned.spec.end(parts);
  entry.end = Date.now();
}
say('schedule done; stopping the load, then the sidecar (SIGTERM)');
await load.stop();
await sample();
clearInterval(sampler);
const exit = await sidecar.stop();
if (exit !== 0) notes.push(`the last SIGTERM exited ${exit}, not 0`);
// The sidecar delivers what its upload buffer holds before it exits; give the collector a moment.
await new Promise((r) => setTimeout(r, 500));
await prometheus?.stop();

// Accounting: every answered decision once in the file and once at the collector, or counted.
const files = logFiles(dir, 'decisions.log');
const recorded = recordedIds(files);
const chain = verifyChain(files);
const stopped = sidecar.logLines().filter((l) => l['msg'] === 'stopped');
const droppedCounted: Record<string, number> = {};
for (const [k, v] of dropLast) droppedCounted[k] = (dropBase.get(k) ?? 0) + v;
const stoppedDrops = stopped.reduce((a, l) => a + Number(l['decisions_dropped'] ?? 0), 0);
if (stoppedDrops > 0) droppedCounted['at shutdown (stopped lines, all sinks)'] = stoppedDrops;
if (recorded.unreadable > 0) notes.push(`${recorded.unreadable} unreadable lines in the decision log`);

// Per phase name: the load's statistics, and the alerts seen firing from its start to its end plus the
// rule window (an alert raised by the fault may fire a little after it ended).
const settleMs = parseDuration(alertWindow) + 5000;
const firedIn = (from: number, to: number): string[] =>
  prometheus ? [...prometheus.firing].filter(([, ts]) => ts.some((t) => t >= from && t <= to)).map(([n]) => n) : [];
const byName = new Map<string, { occurrences: number; fired: Set<string>; spec: PhaseSpec }>();
const healthyAlerts = new Set<string>();
for (const p of timeline) {
  const e = byName.get(p.spec.name) ?? { occurrences: 0, fired: new Set<string>(), spec: p.spec };
  e.occurrences++;
  if (p.spec.name === 'healthy') {
    // After the previous fault's grace and the rule window have passed.
    const prev = timeline[timeline.indexOf(p) - 1];
    const from = Math.max(p.start + settleMs, prev?.end !== undefined ? prev.end + prev.spec.graceMs + settleMs : 0);
    for (const a of firedIn(from, p.end ?? Date.now())) healthyAlerts.add(a);
  } else for (const a of firedIn(p.start, (p.end ?? Date.now()) + settleMs)) e.fired.add(a);
  byName.set(p.spec.name, e);
}
const unexpectedByCause = new Map<string, number>();
const toleratedByCause = new Map<string, number>();
for (const [phase, s] of load.stats.byPhase) {
  for (const [k, n] of s.causes) {
    const [verdict, ...cause] = k.split(' ');
    const target = verdict === 'tolerated_deny' ? toleratedByCause : unexpectedByCause;
    const key = verdict === 'tolerated_deny' || verdict === 'unexpected_deny' ? `${cause.join(' ')} (${phase})` : `${k} (${phase})`;
    target.set(key, (target.get(key) ?? 0) + n);
  }
}
const kills = timeline.filter((p) => p.spec.name === 'worker_kill').map((p) => p.start);
const fileAccount = account(load.stats.answered, recorded.ids, kills);
const collectorAccount = account(load.stats.answered, collector.received, kills);
const rss = samples.map((s) => s.rss);
const curve = Array.from({ length: 10 }, (_, i) => Math.round((rss[Math.floor((i * (rss.length - 1)) / 9)] ?? 0) / 1048576));
if (load.stats.skipped > 0) notes.push(`${load.stats.skipped} requests not sent: 256 already in flight (the sidecar fell behind)`);
notes.push(`sidecar starts: ${sidecar.starts}; bundle revisions served: ${revisions.length}; collector batches: ${collector.batches}; run directory: ${dir}`);
for (const f of checkFailures) notes.push(`check failed: ${f}`);
const phaseAt = (t: number): string => [...timeline].reverse().find((p) => p.start <= t)?.spec.name ?? 'healthy';
for (const [sink, acc] of [['file', fileAccount], ['collector', collectorAccount]] as const) {
  for (const m of acc.missingSample) notes.push(`missing at the ${sink}: ${m.id}, answered ${new Date(m.at).toISOString()} in ${phaseAt(m.at)}`);
}
if (load.stats.wrongAllows.length > 0) notes.push(`first wrong allows: ${load.stats.wrongAllows.join(' | ')}`);

const report: ChaosReport = {
  seed,
  durationMs: Date.now() - t0,
  ratePerSecond: rate,
  phases: [...byName].map(([name, e]) => ({
    name,
    occurrences: e.occurrences,
    stats: load.stats.byPhase.get(name) ?? { requests: 0, verdicts: { ok: 0, wrong_allow: 0, bad_token_decided: 0, tolerated_deny: 0, unexpected_deny: 0 }, causes: new Map(), latenciesMs: [] },
    alertsExpected: prometheus ? e.spec.alerts : [],
    alertsFired: [...e.fired],
  })),
  unexpectedByCause,
  toleratedByCause,
  file: fileAccount,
  collector: collectorAccount,
  droppedCounted,
  chain: { ...chain, files: files.length },
  peakRssBytes: Math.max(0, ...rss),
  rssCurveMiB: curve,
  fdRange: [Math.min(...samples.map((s) => s.fds)), Math.max(...samples.map((s) => s.fds))],
  healthyAlerts: [...healthyAlerts],
  prometheus: promNote,
  notes,
};
const text = formatReport(report);
writeFileSync(join(dir, 'report.md'), text);
mkdirSync(join(ROOT, '.chaos'), { recursive: true });
writeFileSync(join(ROOT, '.chaos', 'last-report.md'), text);
process.stdout.write(`${text}\n`);

// The IdP's server waits for the proxy's kept-alive connections: bounded, the process exits anyway.
await Promise.race([Promise.all([collector.stop(), bundles.stop(), proxy.stop(), idp.stop(), redis.stop()]), new Promise((r) => setTimeout(r, 2000))]);
const totals = report.phases.reduce((a, p) => ({ wrong: a.wrong + p.stats.verdicts.wrong_allow + p.stats.verdicts.bad_token_decided, unexpected: a.unexpected + p.stats.verdicts.unexpected_deny }), { wrong: 0, unexpected: 0 });
const counted = Object.values(droppedCounted).reduce((a, b) => a + b, 0);
const lost = report.file.missing + report.file.duplicated + Math.max(0, report.collector.missing + report.collector.duplicated - counted);
const failed = totals.wrong > 0 || totals.unexpected > 0 || lost > 0 || !chain.ok || checkFailures.length > 0;
if (!chain.ok) say(`audit verify: ${chain.summary}`);
say(failed ? 'FAILED' : 'passed');
process.exit(failed ? 1 : 0);
