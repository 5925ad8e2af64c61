import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzGuided, fuzzUnguided, type FuzzTarget } from './coverage-fuzzer.ts';
import { mutate, prng } from './mutate.ts';

const root = new URL('./fixtures/', import.meta.url).href;
const fixture = (file: string, seed: string): FuzzTarget => ({
  name: file,
  module: new URL(file, root),
  seeds: [Buffer.from(seed)],
  dictionary: [],
  maxLen: 64,
});

// Fixed PRNG seeds and execution caps make both runs deterministic: no timing is asserted.
describe('coverage-guided fuzzer', () => {
  it('finds a crash behind three nested byte comparisons that unguided mutation misses with the same budget', async () => {
    const target = fixture('magic-bytes.ts', 'hello');
    const budget = { coverageRoot: root, seconds: 120, maxExecutions: 50_000, seed: 1 };
    const guided = await fuzzGuided(target, budget);
    assert.equal(guided.finding?.kind, 'crash');
    assert.match(guided.finding.message, /reached the magic bytes/);
    assert.equal(guided.finding.input.subarray(0, 3).toString(), 'FUZ');
    assert.ok(guided.corpus >= 3, 'each byte matched is a new block, so it is kept');

    const ctx = { rand: prng(1), dictionary: [], other: () => target.seeds[0]!, maxLen: 64 };
    const blind = () => Array.from({ length: 200 }, () => mutate(target.seeds[0]!, ctx));
    const unguided = await fuzzUnguided(target, blind, budget);
    assert.equal(unguided.finding, undefined);
    assert.equal(unguided.executions, 50_000);
    assert.ok(unguided.blocksCovered < guided.blocksCovered);
  });

  it('reports an input that is slow twice in a row as a finding', async () => {
    const report = await fuzzGuided(fixture('slow-input.ts', 'xxSLOWxx'), { coverageRoot: root, seconds: 30, maxExecutions: 100, seed: 1, slowMs: 10 });
    assert.equal(report.finding?.kind, 'slow');
    assert.ok(report.finding.input.includes('SLOW'));
  });
});
