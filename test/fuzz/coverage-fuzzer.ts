import { CoverageMap } from './coverage-map.ts';
import { mutate, prng, type MutateContext } from './mutate.ts';

/** A module exporting `fuzz(data: Buffer)` (Jazzer.js's shape) that throws when an invariant breaks. */
export interface FuzzTarget {
  readonly name: string;
  readonly module: URL;
  readonly seeds: readonly Buffer[];
  readonly dictionary: readonly Buffer[];
  readonly maxLen: number;
}

export interface RunOptions {
  /** Only scripts whose URL starts with this count as coverage (the project's src/). */
  readonly coverageRoot: string;
  readonly seconds: number;
  /** Stop after this many executions even if time is left (makes a run deterministic). */
  readonly maxExecutions?: number;
  readonly seed?: number;
  /** An input slower than this twice in a row is a finding (a hang or catastrophic backtracking). */
  readonly slowMs?: number;
  /** Called about once a second with the running totals. */
  readonly onStatus?: (r: FuzzReport) => void;
}

export interface Finding {
  readonly kind: 'crash' | 'slow';
  readonly message: string;
  readonly input: Buffer;
}

export interface FuzzReport {
  readonly target: string;
  readonly mode: 'guided' | 'unguided';
  executions: number;
  /** Re-executions of a batch's inputs one by one to find which one brought new coverage. */
  reruns: number;
  corpus: number;
  blocksCovered: number;
  /** Blocks of the functions that ran (reached or not), so `blocksCovered` has a scale. */
  blocksKnown: number;
  /** Blocks of those functions never reached, as `url:start:end`. */
  uncovered: string[];
  features: number;
  seconds: number;
  slowestMs: number;
  finding?: Finding;
  /** Per script URL, one byte per source character: 1 if it ran (what the block counts come from). */
  reached: Map<string, Uint8Array>;
}

let coverage: CoverageMap | undefined;

/**
 * The V8 coverage session, started once per process before any target loads (V8 instruments only
 * functions compiled after coverage is on). It counts every script; each run filters by its root.
 */
function coverageMap(): CoverageMap {
  return (coverage ??= new CoverageMap());
}

const MAX_BATCH = 128;

/**
 * Coverage-guided fuzzing, libFuzzer's loop in-process: mutate a corpus entry, run the target,
 * read V8 block coverage, keep the input if it reached a new (block, hit-count bucket) feature.
 * Reading coverage costs ~0.4 ms against a few µs per execution, so inputs run in batches whose
 * size doubles while nothing new turns up (up to 128) and halves when something does; when a batch shows a feature no single
 * input has shown yet, its inputs are re-run one by one to find the ones that bring it.
 */
export async function fuzzGuided(target: FuzzTarget, options: RunOptions): Promise<FuzzReport> {
  const map = coverageMap();
  const fuzz = await loadTarget(target);
  const run = runner(target, options, 'guided', map);
  const known = new Set<number>();
  const seenInBatches = new Set<number>();
  const corpus: Buffer[] = [];
  const rand = prng(options.seed ?? Date.now());
  const ctx: MutateContext = { rand, dictionary: target.dictionary, other: () => corpus[rand(corpus.length)]!, maxLen: target.maxLen };
  const keepIfNew = (data: Buffer, features: readonly number[]): boolean => {
    let fresh = false;
    for (const f of features) {
      if (known.has(f)) continue;
      known.add(f);
      fresh = true;
    }
    if (fresh) corpus.push(data);
    return fresh;
  };

  for (const seed of [...target.seeds, Buffer.alloc(0)]) {
    if (!run.exec(fuzz, seed)) break;
    keepIfNew(seed, map.take(options.coverageRoot, run.report.reached));
  }
  if (corpus.length === 0) corpus.push(Buffer.alloc(0));
  let batchSize = 1;
  while (!run.report.finding && run.more()) {
    const batch = Array.from({ length: batchSize }, () => mutate(corpus[rand(corpus.length)]!, ctx));
    if (!batch.every((data) => run.exec(fuzz, data))) break;
    const features = map.take(options.coverageRoot, run.report.reached);
    let fresh = false;
    if (batchSize === 1) fresh = keepIfNew(batch[0]!, features);
    else if (features.some((f) => !known.has(f) && !seenInBatches.has(f))) {
      // A batch's counts are sums, so a bucket can be new for the batch and for no single input:
      // remember the batch's features, so the same sum does not trigger a replay again.
      for (const f of features) seenInBatches.add(f);
      for (const data of batch) {
        if (!run.exec(fuzz, data, true)) break;
        if (keepIfNew(data, map.take(options.coverageRoot, run.report.reached))) fresh = true;
      }
    }
    batchSize = fresh ? Math.max(1, batchSize >> 1) : Math.min(MAX_BATCH, batchSize * 2);
    run.report.corpus = corpus.length;
    run.report.features = known.size;
  }
  return run.finish(corpus.length, known.size);
}

/**
 * The baseline: the same target on inputs from `generate` (no feedback), with coverage read once
 * per batch only to count the blocks reached, so the two loops can be compared at equal time.
 */
export async function fuzzUnguided(target: FuzzTarget, generate: () => readonly Buffer[], options: RunOptions): Promise<FuzzReport> {
  const map = coverageMap();
  const fuzz = await loadTarget(target);
  const run = runner(target, options, 'unguided', map);
  const features = new Set<number>();
  while (run.more()) {
    if (!generate().every((data) => run.exec(fuzz, data))) break;
    for (const f of map.take(options.coverageRoot, run.report.reached)) features.add(f);
  }
  return run.finish(0, features.size);
}

async function loadTarget(target: FuzzTarget): Promise<(data: Buffer) => void> {
  const mod = (await import(target.module.href)) as { fuzz?: (data: Buffer) => void };
  if (typeof mod.fuzz !== 'function') throw new TypeError(`${target.module.href} does not export fuzz(data: Buffer)`);
  return mod.fuzz;
}

function runner(target: FuzzTarget, options: RunOptions, mode: FuzzReport['mode'], map: CoverageMap) {
  map.take(options.coverageRoot, new Map()); // drop what loading the target ran
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const maxExecutions = options.maxExecutions ?? Infinity;
  const slowMs = options.slowMs ?? 500;
  const report: FuzzReport = { target: target.name, mode, executions: 0, reruns: 0, corpus: 0, blocksCovered: 0, blocksKnown: 0, uncovered: [], features: 0, seconds: 0, slowestMs: 0, reached: new Map() };
  let nextStatus = started + 1000;
  const exec = (fuzz: (data: Buffer) => void, data: Buffer, rerun = false): boolean => {
    const t0 = performance.now();
    try {
      fuzz(data);
    } catch (err) {
      report.finding = { kind: 'crash', message: err instanceof Error ? (err.stack ?? err.message) : String(err), input: data };
      return false;
    }
    const ms = performance.now() - t0;
    if (rerun) report.reruns++;
    else report.executions++;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (ms > slowMs) {
      const t1 = performance.now();
      fuzz(data); // once more: a garbage-collection pause is not a finding
      const again = performance.now() - t1;
      if (again > slowMs) {
        report.finding = { kind: 'slow', message: `input took ${ms.toFixed(0)} ms, then ${again.toFixed(0)} ms (limit ${slowMs} ms)`, input: data };
        return false;
      }
    }
    return true;
  };
  const more = (): boolean => {
    const now = performance.now();
    if (options.onStatus && now >= nextStatus) {
      nextStatus = now + 1000;
      options.onStatus({ ...report, seconds: (now - started) / 1000 });
    }
    return now < deadline && report.executions < maxExecutions;
  };
  const finish = (corpus: number, features: number): FuzzReport => {
    Object.assign(report, { corpus, features, seconds: (performance.now() - started) / 1000 });
    return countBlocks(report, options.coverageRoot);
  };
  return { exec, more, finish, report };
}

/**
 * Sets a report's block counts from what it reached, against every block this process has seen
 * so far: call it again on an earlier report after a later run, so both count the same blocks.
 */
export function countBlocks(report: FuzzReport, coverageRoot: string): FuzzReport {
  const map = coverageMap();
  const { reached, known } = map.blocksReached(report.reached, coverageRoot);
  const hit = new Set(reached);
  report.blocksCovered = reached.length;
  report.blocksKnown = known.length;
  report.uncovered = known.filter((id) => !hit.has(id)).map((id) => map.where(id));
  return report;
}
