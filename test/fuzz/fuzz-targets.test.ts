import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzGuided, type FuzzReport } from './coverage-fuzzer.ts';
import { SRC_ROOT, TARGETS } from './targets.ts';

/**
 * A short coverage-guided run of each fuzz target (FUZZ_SECONDS, default 1.5 s each); the long run
 * is `npm run fuzz -- --seconds N` (test/fuzz/README.md). This file must not import anything from
 * src/ itself: V8 gives block coverage only to code compiled after the fuzzer starts coverage.
 * Any invariant violation fails with the reproducing input.
 */
const SECONDS = Number(process.env['FUZZ_SECONDS'] ?? 1.5);

function assertClean(r: FuzzReport): void {
  if (r.finding) assert.fail(`${r.finding.kind}: ${r.finding.message}\ninput (base64): ${r.finding.input.toString('base64')}`);
}

describe(`fuzz targets, coverage-guided (${SECONDS} s each)`, () => {
  for (const target of TARGETS) {
    it(`${target.name}: no invariant violation, and the corpus grows past the seeds`, async () => {
      const r = await fuzzGuided(target, { coverageRoot: SRC_ROOT, seconds: SECONDS });
      assertClean(r);
      assert.ok(r.corpus > target.seeds.length, `corpus ${r.corpus}: coverage feedback kept no new input`);
      console.log(`${target.name}: ${r.executions} executions, corpus ${r.corpus}, blocks ${r.blocksCovered} of ${r.blocksKnown}`);
    });
  }
});
