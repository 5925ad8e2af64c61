import { readFileSync, writeFileSync } from 'node:fs';
import { TARGETS, type TargetName } from '../targets/target.ts';

/** One load run against one target. */
export interface Measurement {
  readonly rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly p999_ms: number;
  readonly cpu_cores: number;
  readonly requests: number;
  readonly errors: number;
  /** The errors by kind, when there were any and the load generator tells them apart. */
  readonly error_kinds?: Readonly<Record<string, number>>;
  readonly userinfo_calls: number;
  readonly token_list_wraps: number;
  /**
   * CPU (in cores) that processes other than the target used on the target's core during the run:
   * other work on a shared machine. Near 0 means the target had its core to itself.
   */
  readonly other_cpu_on_target_core: number;
  /** CPU (in cores) busy on the load generator's core (wrk, the IdP stand-in and anything else there). */
  readonly load_core_busy: number;
  /**
   * CPU (in cores) the load side used, from its own processes: the load generator, the IdP stand-in and
   * the harness. A target given the load generator's core shares it with this much.
   */
  readonly load_side_cpu_cores: number;
  /** The sidecar's event-loop delay over the run (its /metrics; scenarios with `loopDelay`). */
  readonly loop_delay_p99_ms?: number;
  readonly loop_delay_max_ms?: number;
  /** The sidecar's GC pauses over the run (its /metrics, nodejs_gc_duration_seconds; scenarios with `loopDelay`). */
  readonly gc_pauses?: number;
  readonly gc_pauses_over_20ms?: number;
  /** The smallest histogram bound the longest pause fits under, ms. */
  readonly gc_longest_at_most_ms?: number;
}

/** What latest.json holds per scenario and target: the median of the rounds, peak RSS over them. */
export interface TargetResult {
  readonly rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly p999_ms: number;
  readonly rss_mb: number;
  readonly cpu_cores: number;
  /** Requests answered, summed over the rounds. */
  readonly requests: number;
  readonly errors: number;
  readonly userinfo_calls: number;
  readonly token_list_wraps: number;
  readonly other_cpu_on_target_core: number;
  readonly load_core_busy: number;
  readonly load_side_cpu_cores: number;
  readonly rounds: readonly Measurement[];
  readonly [extra: string]: unknown;
}

export interface Goal {
  readonly name: string;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | null;
}

export interface Results {
  readonly machine: Record<string, unknown>;
  readonly settings: Record<string, unknown>;
  readonly reference: Record<string, number>;
  readonly scenarios: Record<string, Partial<Record<TargetName, TargetResult>>>;
  readonly descriptions: Record<string, string>;
  readonly targets: readonly Goal[];
  readonly profiles: Record<string, string>;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export function aggregate(rounds: readonly Measurement[], peakRssMb: number, extra: Record<string, unknown> = {}): TargetResult {
  type NumberKey = Exclude<keyof Measurement, 'error_kinds'>;
  const med = (k: NumberKey): number => median(rounds.map((r) => r[k] ?? 0));
  const sum = (k: NumberKey): number => rounds.reduce((a, r) => a + (r[k] ?? 0), 0);
  return {
    rps: Math.round(med('rps')),
    p50_ms: round(med('p50_ms'), 3),
    p99_ms: round(med('p99_ms'), 3),
    p999_ms: round(med('p999_ms'), 3),
    rss_mb: round(peakRssMb, 1),
    cpu_cores: round(med('cpu_cores'), 2),
    requests: sum('requests'),
    errors: sum('errors'),
    userinfo_calls: sum('userinfo_calls'),
    token_list_wraps: sum('token_list_wraps'),
    other_cpu_on_target_core: round(med('other_cpu_on_target_core'), 2),
    load_core_busy: round(med('load_core_busy'), 2),
    load_side_cpu_cores: round(med('load_side_cpu_cores'), 2),
    ...(rounds.some((r) => r.loop_delay_max_ms !== undefined)
      ? { loop_delay_p99_ms: median(rounds.map((r) => r.loop_delay_p99_ms ?? 0)), loop_delay_max_ms: Math.max(...rounds.map((r) => r.loop_delay_max_ms ?? 0)) }
      : {}),
    ...(rounds.some((r) => r.gc_pauses !== undefined)
      ? { gc_pauses: sum('gc_pauses'), gc_pauses_over_20ms: sum('gc_pauses_over_20ms'), gc_longest_at_most_ms: Math.max(...rounds.map((r) => r.gc_longest_at_most_ms ?? 0)) }
      : {}),
    ...extra,
    rounds,
  };
}

/** The issue's targets, judged from the results (null: reported, no threshold). */
export function judge(s: Results['scenarios'], reference: Record<string, number>): Goal[] {
  const goals: Goal[] = [];
  const x = (v: number): string => `${v.toFixed(2)}×`;
  const hot = s['hot'];
  // hot: the HTTP check API; ext-authz-grpc: Envoy's gRPC Check (issue 16), same subjects and peer.
  for (const name of ['hot', 'ext-authz-grpc']) {
    const sc = s[name];
    if (!sc?.sidecar || !sc.opa) continue;
    const r = sc.sidecar.rps / Math.max(1, sc.opa.rps);
    goals.push({ name: `${name}: throughput vs stock OPA`, goal: '≥ 2× OPA', measured: `${x(r)} (${sc.sidecar.rps} vs ${sc.opa.rps} req/s)`, met: r >= 2 });
    goals.push({ name: `${name}: p99 vs stock OPA`, goal: '≤ OPA p99', measured: `${sc.sidecar.p99_ms} ms vs ${sc.opa.p99_ms} ms`, met: sc.sidecar.p99_ms <= sc.opa.p99_ms });
  }
  if (hot?.sidecar && hot.bare) {
    const r = hot.sidecar.rps / hot.bare.rps;
    goals.push({ name: 'hot: share of the bare node:http ceiling', goal: '≥ 50%', measured: `${(100 * r).toFixed(0)}% (${hot.sidecar.rps} of ${hot.bare.rps} req/s)`, met: r >= 0.5 });
  }
  // Issue 14: N workers on N cores against one worker on one core, in the same rounds of one scenario.
  for (const [name, sc] of Object.entries(s)) {
    const many = sc.sidecar;
    const one = sc['sidecar-1-worker'];
    const workers = many?.['workers'];
    if (!many || !one || typeof workers !== 'number' || workers < 2) continue;
    const r = many.rps / Math.max(1, one.rps);
    const aim = 0.9 * workers;
    const shared = many['shares_load_core'] === true ? `; the load side used ${many.load_side_cpu_cores} cores of theirs` : '';
    // A ratio of two runs is only as good as the quieter of them: say when other work took a share of either.
    const disturbed = Math.max(many.other_cpu_on_target_core, one.other_cpu_on_target_core) >= 0.1
      ? `; disturbed: other load ${many.other_cpu_on_target_core} and ${one.other_cpu_on_target_core} cores` : '';
    goals.push({
      name: `${name}: throughput of ${String(many['label'])} vs ${String(one['label'])}`,
      goal: `≥ ${aim.toFixed(1)}×`,
      measured: `${x(r)} (${many.rps} vs ${one.rps} req/s${shared}${disturbed})`,
      met: r >= aim,
    });
  }
  const base = s['roles-10']?.sidecar;
  for (const n of ['1000', '30000']) {
    const r = s[`roles-${n}`]?.sidecar;
    if (base && r) {
      const q = r.p99_ms / base.p99_ms;
      goals.push({ name: `p99 with ${Number(n).toLocaleString('en-US')} roles vs 10 roles`, goal: '≤ 1.5×', measured: `${x(q)} (${r.p99_ms} vs ${base.p99_ms} ms)`, met: q <= 1.5 });
    }
  }
  const many = Object.entries(s).find(([n]) => /^subjects-\d+(\.\d+)?m-/.test(n));
  if (many?.[1].sidecar && hot?.sidecar) {
    const m = many[1].sidecar;
    const q = m.p99_ms / hot.sidecar.p99_ms;
    goals.push({ name: `${many[0]}: p99 vs hot p99`, goal: '≤ 2×', measured: `${x(q)} (${m.p99_ms} vs ${hot.sidecar.p99_ms} ms)`, met: q <= 2 });
    if (typeof m['loop_delay_max_ms'] === 'number') {
      goals.push({
        name: `${many[0]}: longest event-loop delay (GC pauses included)`,
        goal: '≤ 20 ms',
        measured: `${m['loop_delay_max_ms']} ms (p99 ${String(m['loop_delay_p99_ms'])} ms; 10 ms sampling)`,
        met: (m['loop_delay_max_ms'] as number) <= 20,
      });
    }
    if (typeof m['gc_pauses_over_20ms'] === 'number') {
      goals.push({
        name: `${many[0]}: GC pauses over 20 ms (nodejs_gc_duration_seconds)`,
        goal: '0',
        measured: `${m['gc_pauses_over_20ms']} of ${String(m['gc_pauses'])} (longest ≤ ${String(m['gc_longest_at_most_ms'])} ms)`,
        met: m['gc_pauses_over_20ms'] === 0,
      });
    }
    if (typeof m['rss_mb_per_100k_subjects'] === 'number') {
      goals.push({ name: `${many[0]}: RSS per 100,000 cached subjects (10 roles)`, goal: '≤ 150 MB', measured: `${m['rss_mb_per_100k_subjects']} MB (${String(m['subjects'])} subjects filled; peak RSS ${m.rss_mb} MB)`, met: (m['rss_mb_per_100k_subjects'] as number) <= 150 });
    }
  }
  const coldBare = s['cold-token']?.bare;
  const rawVerify = reference['node_crypto_rsa_verify_per_s'];
  if (s['cold-token']?.sidecar && coldBare && rawVerify) {
    // A server doing only a raw crypto.verify per request pays bare node:http's cost plus one verification.
    const floor = 1 / (1 / coldBare.rps + 1 / rawVerify);
    const r = s['cold-token'].sidecar.rps / floor;
    goals.push({
      name: 'cold-token vs a server doing one raw crypto.verify per request (same core)',
      goal: '≥ 50% (within 2×)',
      measured: `${(100 * r).toFixed(0)}% (${s['cold-token'].sidecar.rps} req/s vs ${floor.toFixed(0)}: bare ${coldBare.rps} req/s with ${rawVerify} RSA-2048 verifications/s)`,
      met: r >= 0.5,
    });
  }
  for (const [name, sc] of Object.entries(s)) {
    const cpu = sc.sidecar?.['cpu_us_per_decision_at_1k'];
    if (typeof cpu === 'number') {
      const peers = (['sidecar-1-worker', 'opa', 'bare'] as const).filter((t) => typeof sc[t]?.['cpu_us_per_decision_at_1k'] === 'number').map((t) => `${labelOf(t, sc[t]!)} ${String(sc[t]!['cpu_us_per_decision_at_1k'])} µs`);
      const who = typeof sc.sidecar!['label'] === 'string' ? ` (${String(sc.sidecar!['label'])}, all its processes)` : '';
      goals.push({ name: `${name}: CPU per decision at 1,000 req/s${who}`, goal: 'reported', measured: `${cpu} µs = ${(cpu / 1000).toFixed(2)} cores per 1,000 decisions/s${peers.length ? ` (${peers.join(', ')})` : ''}`, met: null });
    }
  }
  const cold = s['cold-token']?.sidecar;
  // Prefer the reference measured right after the cold-token runs (same machine state).
  const jose = (cold?.['jose_verify_per_s_adjacent'] as number | undefined) ?? reference['jose_verify_per_s_64_in_flight'];
  if (cold && jose) {
    const r = cold.rps / jose;
    goals.push({
      name: 'cold-token vs jose raw verification (same core)',
      goal: '≥ 80%',
      measured: `${(100 * r).toFixed(0)}% (${cold.rps} req/s vs jose ${jose} verifications/s with 64 in flight)`,
      met: r >= 0.8,
    });
  }
  const mem = Object.entries(s).find(([n]) => /^subjects-\d+(\.\d+)?k-/.test(n))?.[1];
  for (const t of ['sidecar', 'opa'] as const) {
    const m = mem?.[t];
    if (m && typeof m['rss_mb_per_100k_subjects'] === 'number') {
      goals.push({
        name: `${t === 'opa' ? 'stock OPA' : 'sidecar'}: RSS per 100,000 cached subjects`,
        goal: 'reported',
        measured: `${m['rss_mb_per_100k_subjects']} MB (${m['subjects']} subjects filled; peak RSS ${m.rss_mb} MB)`,
        met: null,
      });
    }
  }
  return goals;
}

const fmt = (v: number, digits = 2): string => (v >= 100 ? v.toFixed(0) : v.toFixed(digits));

/** A target's name in the tables: the scenario's label where it set one (cores, workers), else the product's name. */
function labelOf(t: TargetName, v: TargetResult): string {
  if (typeof v['label'] === 'string') return v['label'];
  return t === 'opa' ? 'stock OPA' : t === 'bare' ? 'bare node:http' : t === 'sidecar-1-worker' ? 'authz-sidecar (1 worker)' : 'authz-sidecar';
}

/** The results as Markdown: machine, per-scenario table with ratios, and the targets. */
export function renderMarkdown(r: Results): string {
  const m = r.machine;
  const lines = [
    `Measured ${String(m['date'])} on ${String(m['cpu'])}, ${String(m['cores'])} cores, ${String(m['memory_gb'])} GB, ${String(m['os'])}; ` +
      `Node ${String(m['node'])}, OPA ${String(m['opa'])}, load from ${String(m['generator'])}; ${String(m['pinning'])}. ` +
      `Mode \`${String(r.settings['mode'])}\`: ${String(r.settings['connections'])} connections, ${String(r.settings['duration_s'])} s per run ` +
      `(${String(r.settings['cold_duration_s'])} s for the cold scenarios) after ${String(r.settings['warmup_s'])} s of warm-up, ` +
      `${String(r.settings['rounds'])} alternating round(s), medians shown; userinfo answers after ${String(r.settings['userinfo_latency_ms'])} ms. ` +
      `Sidecar at commit ${String(m['commit'])}. "Other load on its core" is CPU (in cores) that other processes used on the ` +
      `target's core during its runs (this machine is shared: well above 0 means the run was disturbed); "load core busy" is how ` +
      `busy the load generator's core was (near 1 with a target under its core: the load side, not the target, set the pace). ` +
      `The machine was ${String(m['busy_cores_before_start'])} cores busy with other work just before the run.`,
    '',
    '| scenario | target | req/s | p50 ms | p99 ms | p99.9 ms | CPU (cores) | CPU µs/decision at 1k/s | loop delay p99 / max ms | peak RSS MB | sidecar/OPA req/s | sidecar/bare req/s | other load on its core | load core busy |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const shared: string[] = [];
  for (const [name, targets] of Object.entries(r.scenarios)) {
    let first = true;
    for (const t of TARGETS) {
      const v = targets[t];
      if (!v) continue;
      // The target's core had time to spare while the load core was saturated: the load side set the pace.
      // (Not judged for a target that shares the load core: there the two take from each other.)
      const loadBound = v['shares_load_core'] !== true && v.cpu_cores + v.other_cpu_on_target_core < 0.85 && v.load_core_busy >= 0.95;
      if (v['shares_load_core'] === true) shared.push(`${labelOf(t, v)} (\`${name}\`): ${v.load_side_cpu_cores}`);
      const flags = [v.requests === 0 ? 'no answer within the run' : '', loadBound ? 'load-bound' : '', v.errors ? `${v.errors} errors` : '', v.token_list_wraps ? `tokens reused ×${v.token_list_wraps}` : ''].filter(Boolean).join(', ');
      const ratio = (other: TargetResult | undefined): string =>
        t !== 'sidecar' || !other ? '' : other.rps === 0 ? '∞ (it answered none)' : `${(v.rps / other.rps).toFixed(2)}×`;
      const lat = (ms: number): string => (v.requests === 0 ? '—' : fmt(ms));
      lines.push(
        `| ${first ? name : ''} | ${labelOf(t, v)}${flags ? ` (${flags})` : ''} | ${v.rps} | ${lat(v.p50_ms)} | ${lat(v.p99_ms)} | ${lat(v.p999_ms)} | ${v.cpu_cores.toFixed(2)} | ${typeof v['cpu_us_per_decision_at_1k'] === 'number' ? String(v['cpu_us_per_decision_at_1k']) : ''} | ${typeof v['loop_delay_max_ms'] === 'number' ? `${String(v['loop_delay_p99_ms'])} / ${String(v['loop_delay_max_ms'])}` : ''} | ${v.rss_mb.toFixed(0)} | ${ratio(targets.opa)} | ${ratio(targets.bare)} | ${v.other_cpu_on_target_core.toFixed(2)} | ${v.load_core_busy.toFixed(2)} |`,
      );
      first = false;
    }
  }
  const ref = r.reference;
  if (shared.length > 0) {
    lines.push(
      '',
      `Sharing the load generator's core: these targets were given cores that include the one of the load generator and the IdP stand-in, ` +
        `which used, in cores (their own CPU time, from /proc), ${shared.join('; ')}. Their "other load on its core" leaves that out, and ` +
        `their "load core busy" includes their own share of that core. Their CPU columns sum all their processes (a cluster's primary and workers).`,
    );
  }
  lines.push(
    '',
    `Reference on the target's core: jose \`jwtVerify\` RS256 ${ref['jose_verify_per_s_sequential']}/s sequential, ` +
      `${ref['jose_verify_per_s_64_in_flight']}/s with 64 in flight; node:crypto RSA-2048 verify ${ref['node_crypto_rsa_verify_per_s']}/s.`,
    '',
    '| target | goal | measured | |',
    '| --- | --- | --- | --- |',
    ...r.targets.map((g) => `| ${g.name} | ${g.goal} | ${g.measured} | ${g.met === null ? 'reported' : g.met ? 'met' : '**missed**'} |`),
  );
  return `${lines.join('\n')}\n`;
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated block of bench/README.md (between the markers) with `markdown`. */
export function updateReadme(readmePath: string, markdown: string): boolean {
  const text = readFileSync(readmePath, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a === -1 || b === -1 || b < a) return false;
  writeFileSync(readmePath, `${text.slice(0, a + START.length)}\n${markdown}${text.slice(b)}`);
  return true;
}
