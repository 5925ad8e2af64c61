/**
 * OPA's own topdown test cases, run through our engine and through the stock npm SDK.
 *
 *   npm run test:opa-cases [-- --min 98] [-- --report .cache/opa-cases/report.json] [-- --only <file or note substring>]
 *
 * The cases come from OPA's Go module at the pinned version (v1/test/cases/testdata/{v0,v1}),
 * fetched by `go mod download` from the Go module proxy and checked against go.sum, so nothing of
 * OPA's is copied into this repository. OPA is Apache-2.0 (LICENSE in that module). The Go program
 * in scripts/opa-cases/ compiles each case to Wasm as OPA's own Wasm runner does
 * (internal/wasm/sdk/test/e2e/external_test.go), skipping the cases OPA lists in that runner's
 * exceptions.yaml; each engine evaluates the module and OPA's runner's rules judge the outcome.
 * Exits 1 when our pass rate is below --min (default 98).
 */
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { judge, type CompiledCase } from './opa-cases/compare.ts';
import { parseCaseLine, runOurs, runStock, type EngineRun } from './opa-cases/engines.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GO_DIR = join(ROOT, 'scripts/opa-cases');
const CACHE = join(ROOT, '.cache/opa-cases');
const OPA_MODULE = 'github.com/open-policy-agent/opa';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const minRate = Number(option('min') ?? '98');
const reportPath = option('report') ?? join(CACHE, 'report.json');
const only = option('only');

const log = (msg: string): void => void process.stderr.write(`opa-cases: ${msg}\n`);

interface Tally {
  pass: number;
  missing: Map<string, number>;
  refused: number;
  failures: { file: string; note: string; why: string }[];
}
const tally = (): Tally => ({ pass: 0, missing: new Map(), refused: 0, failures: [] });

function opaVersion(): string {
  const m = /^require github\.com\/open-policy-agent\/opa (v\S+)$/m.exec(readFileSync(join(GO_DIR, 'go.mod'), 'utf8'));
  if (!m) throw new Error('scripts/opa-cases/go.mod does not require OPA');
  return m[1]!;
}

/** Builds the case compiler once per go.mod/go.sum/main.go content (go's build cache does the rest). */
function compiler(): string {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(GO_DIR, f)));
  const bin = join(CACHE, `compile-cases-${hash.digest('hex').slice(0, 12)}`);
  if (!existsSync(bin)) {
    mkdirSync(CACHE, { recursive: true });
    log('building the case compiler from OPA\'s module (first time only, takes a few minutes)...');
    execFileSync('go', ['build', '-o', bin, '.'], { cwd: GO_DIR, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' } });
  }
  return bin;
}

function moduleDir(version: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${OPA_MODULE}@${version}`], { cwd: GO_DIR, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

function record(t: Tally, c: CompiledCase, run: EngineRun): void {
  if ('missing' in run) {
    t.refused++;
    for (const b of run.missing) t.missing.set(b, (t.missing.get(b) ?? 0) + 1);
    t.failures.push({ file: c.file, note: c.note, why: `missing builtins: ${run.missing.join(', ')}` });
    return;
  }
  const why = judge(c, run);
  if (why === undefined) t.pass++;
  else t.failures.push({ file: c.file, note: c.note, why });
}

async function main(): Promise<void> {
  const version = opaVersion();
  const bin = compiler();
  const dir = moduleDir(version);
  log(`OPA ${version} cases from ${dir}`);
  const child = spawn(bin, ['-opa-dir', dir, ...(only === undefined ? [] : ['-only', only])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const ours = tally();
  const stock = tally();
  const excepted: { note: string; reason: string }[] = [];
  let run = 0;
  const started = Date.now();
  for await (const line of createInterface({ input: child.stdout!, crlfDelay: Infinity })) {
    const c = parseCaseLine(line);
    if (c.excepted !== undefined) {
      excepted.push({ note: c.note, reason: c.excepted });
      continue;
    }
    run++;
    if (c.compileError !== undefined) {
      for (const t of [ours, stock]) t.failures.push({ file: c.file, note: c.note, why: `compile error: ${c.compileError}` });
    } else {
      const wasm = Buffer.from(c.wasm!, 'base64');
      record(ours, c, await runOurs(c, wasm));
      record(stock, c, await runStock(c, wasm));
    }
    if (run % 500 === 0) log(`${run} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const code = await exited;
  if (code !== 0) throw new Error(`the case compiler exited with ${code}`);

  const pct = (t: Tally): string => ((100 * t.pass) / run).toFixed(1);
  const report = { opa: version, cases: run + excepted.length, excepted, run, ours: summary(ours, run), stock: summary(stock, run) };
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  for (const f of ours.failures) log(`FAIL ${f.file} ${f.note}: ${f.why}`);
  log(`${excepted.length} cases excepted from Wasm by OPA's own runner (internal/wasm/sdk/test/e2e/exceptions.yaml)`);
  log(`missing builtins (ours): ${[...ours.missing].map(([b, n]) => `${b} (${n})`).join(', ') || 'none'}`);
  log(`missing builtins (stock SDK): ${[...stock.missing].sort((a, b) => b[1] - a[1]).map(([b, n]) => `${b} (${n})`).join(', ') || 'none'}`);
  console.log(`OPA ${version}'s own test cases: ${pct(ours)}% pass (${ours.pass}/${run}); stock SDK: ${pct(stock)}% (${stock.pass}/${run}); report: ${reportPath}`);
  if ((100 * ours.pass) / run < minRate) {
    log(`below the floor of ${minRate}%`);
    process.exitCode = 1;
  }
}

function summary(t: Tally, run: number): object {
  return {
    pass: t.pass,
    rate: Number(((100 * t.pass) / run).toFixed(2)),
    refused: t.refused,
    missingBuiltins: Object.fromEntries([...t.missing].sort((a, b) => b[1] - a[1])),
    failures: t.failures,
  };
}

await main();
