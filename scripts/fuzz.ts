import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { countBlocks, fuzzGuided, fuzzUnguided, type FuzzReport } from '../test/fuzz/coverage-fuzzer.ts';
import { randomInputs } from '../test/fuzz/random-inputs.ts';
import { SRC_ROOT, TARGETS } from '../test/fuzz/targets.ts';

/**
 * `npm run fuzz -- --seconds N [--target token-parser|input-builder] [--mode guided|unguided|compare] [--seed S] [--uncovered]`
 * Runs the coverage-guided fuzzer on each target for N seconds (test/fuzz/README.md). `compare`
 * runs the guided loop and then the unguided fast-check loop for N seconds each and prints both.
 * `--uncovered` lists the blocks seen but never reached. A finding's input is written to .cache/fuzz/ and the command exits 1.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    target: { type: 'string' },
    mode: { type: 'string', default: 'guided' },
    seed: { type: 'string' },
    uncovered: { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const mode = values.mode;
if (!(seconds > 0) || !Number.isInteger(seed) || !['guided', 'unguided', 'compare'].includes(mode)) {
  throw new TypeError('usage: npm run fuzz -- --seconds N [--target NAME] [--mode guided|unguided|compare] [--seed S]');
}
const targets = TARGETS.filter((t) => values.target === undefined || t.name === values.target);
if (targets.length === 0) throw new TypeError(`unknown target ${values.target}; known: ${TARGETS.map((t) => t.name).join(', ')}`);

const line = (r: FuzzReport): string =>
  `${r.target} ${r.mode}: ${r.seconds.toFixed(0)} s, ${r.executions} executions (${Math.round(r.executions / r.seconds)}/s, ` +
  `${r.reruns} reruns), corpus ${r.corpus}, blocks ${r.blocksCovered} of ${r.blocksKnown} in the functions entered, features ${r.features}, slowest ${r.slowestMs.toFixed(1)} ms`;

console.log(`seed ${seed}`);
let failed = false;
for (const target of targets) {
  const options = { coverageRoot: SRC_ROOT, seconds, seed, onStatus: (r: FuzzReport) => process.stderr.isTTY && process.stderr.write(`  #${r.executions} features ${r.features} corpus ${r.corpus} (${r.seconds.toFixed(0)} s)\r`) };
  const reports: FuzzReport[] = [];
  if (mode !== 'unguided') reports.push(await fuzzGuided(target, options));
  if (mode !== 'guided') reports.push(await fuzzUnguided(target, randomInputs(target.seeds, seed), options));
  for (const r of reports) {
    countBlocks(r, SRC_ROOT); // again, so that in `compare` both runs count against the same blocks
    console.log(line(r));
    if (values.uncovered) for (const where of r.uncovered) console.log(`  not reached: ${snippet(where)}`);
    if (!r.finding) continue;
    failed = true;
    mkdirSync('.cache/fuzz', { recursive: true });
    const file = `.cache/fuzz/${r.target}-${r.finding.kind}-${createHash('sha256').update(r.finding.input).digest('hex').slice(0, 12)}`;
    writeFileSync(file, r.finding.input);
    console.log(`FINDING (${r.finding.kind}) in ${r.target}, input ${file} (base64 ${r.finding.input.toString('base64')}):\n${r.finding.message}`);
  }
}
process.exitCode = failed ? 1 : 0;

/** `file:///…/src/x.ts:120:180` -> `x.ts:7 <the first 60 characters of the block>`. */
function snippet(where: string): string {
  const [, url, start, end] = /^(.*):(\d+):(\d+)$/.exec(where)!;
  const text = readFileSync(new URL(url!), 'utf8');
  const lineNo = text.slice(0, Number(start)).split('\n').length;
  return `${url!.slice(SRC_ROOT.length)}:${lineNo} ${JSON.stringify(text.slice(Number(start), Math.min(Number(end), Number(start) + 60)))}`;
}
