import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sampleLast } from '../../src/load/fill.ts';

describe('sampleLast', () => {
  it('fills the measured sample (every stride-th) last, everything once', () => {
    const tokens = Array.from({ length: 10 }, (_, i) => `t${i}`);
    assert.deepEqual(sampleLast(tokens, 5), ['t1', 't2', 't3', 't4', 't6', 't7', 't8', 't9', 't0', 't5']);
  });

  it('keeps the order without a stride', () => {
    assert.deepEqual(sampleLast(['a', 'b', 'c'], undefined), ['a', 'b', 'c']);
    assert.deepEqual(sampleLast(['a', 'b', 'c'], 1), ['a', 'b', 'c']);
  });
});
