import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, judge, renderMarkdown, type Measurement, type Results } from '../src/report/report.ts';

const run = (rps: number, cpu: number, loadSide = 0.1): Measurement => ({
  rps, p50_ms: 3, p99_ms: 8, p999_ms: 12, cpu_cores: cpu, requests: rps * 8, errors: 0, userinfo_calls: 0,
  token_list_wraps: 0, other_cpu_on_target_core: 0, load_core_busy: 0.95, load_side_cpu_cores: loadSide,
});

const workers = (twoWorkersRps: number): Results['scenarios'] => ({
  'hot-workers-2': {
    sidecar: aggregate([run(twoWorkersRps, 1.8, 0.15)], 300, { label: 'authz-sidecar, 2 workers on cores 0-1', workers: 2, shares_load_core: true, cpu_us_per_decision_at_1k: 130 }),
    'sidecar-1-worker': aggregate([run(10000, 1)], 180, { label: 'authz-sidecar, 1 worker on core 1', cpu_us_per_decision_at_1k: 110 }),
    opa: aggregate([run(2900, 1.9, 0.05)], 60, { label: 'stock OPA on cores 0-1 (GOMAXPROCS 2)', shares_load_core: true }),
  },
});

test('two workers are judged against one worker of the same scenario, aim 1.8×', () => {
  const met = judge(workers(18500), {}).find((g) => g.name.startsWith('hot-workers-2: throughput'));
  assert.ok(met);
  assert.equal(met.goal, '≥ 1.8×');
  assert.equal(met.met, true);
  assert.match(met.measured, /^1\.85× \(18500 vs 10000 req\/s; the load side used 0\.15 cores of theirs\)$/);
  assert.equal(judge(workers(17000), {}).find((g) => g.name.startsWith('hot-workers-2: throughput'))?.met, false);
});

test('the workers ratio says when other work took a share of either run', () => {
  const scenarios = workers(18500);
  const one = scenarios['hot-workers-2']!['sidecar-1-worker']!;
  scenarios['hot-workers-2']!['sidecar-1-worker'] = { ...one, other_cpu_on_target_core: 0.3 };
  const g = judge(scenarios, {}).find((x) => x.name.startsWith('hot-workers-2: throughput'));
  assert.match(g?.measured ?? '', /; disturbed: other load 0 and 0\.3 cores\)$/);
});

test('the CPU per decision of a cluster is reported beside the one-worker sidecar\'s', () => {
  const cpu = judge(workers(18500), {}).find((g) => g.name.startsWith('hot-workers-2: CPU per decision'));
  assert.ok(cpu);
  assert.equal(cpu.met, null);
  assert.match(cpu.name, /authz-sidecar, 2 workers on cores 0-1, all its processes/);
  assert.match(cpu.measured, /^130 µs = 0\.13 cores per 1,000 decisions\/s \(authz-sidecar, 1 worker on core 1 110 µs\)$/);
});

test('the table names where each target ran, and says which shared the load generator\'s core', () => {
  const scenarios = workers(18500);
  const md = renderMarkdown({
    machine: {}, settings: {}, reference: {}, scenarios, descriptions: {}, targets: judge(scenarios, {}), profiles: {},
  });
  const rows = md.split('\n').filter((l) => l.startsWith('| hot-workers-2 |') || l.startsWith('|  | '));
  assert.equal(rows.length, 3);
  assert.match(rows[0]!, /^\| hot-workers-2 \| authz-sidecar, 2 workers on cores 0-1 \| 18500 \|/);
  // The load-bound flag is for a target with its own core: here the target and the load share one.
  assert.doesNotMatch(rows[0]!, /load-bound/);
  assert.match(rows[1]!, /^\|  \| authz-sidecar, 1 worker on core 1 \| 10000 \|/);
  assert.match(rows[2]!, /^\|  \| stock OPA on cores 0-1 \(GOMAXPROCS 2\) \| 2900 \|/);
  assert.match(md, /which used, in cores \(their own CPU time, from \/proc\), authz-sidecar, 2 workers on cores 0-1 \(`hot-workers-2`\): 0\.15; stock OPA on cores 0-1 \(GOMAXPROCS 2\) \(`hot-workers-2`\): 0\.05\./);
  assert.match(md, /\| hot-workers-2: throughput of authz-sidecar, 2 workers on cores 0-1 vs authz-sidecar, 1 worker on core 1 \| ≥ 1\.8× \| 1\.85× .* \| met \|/);
});
