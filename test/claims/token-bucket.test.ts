import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenBuckets } from '../../src/claims/token-bucket.ts';

describe('createTokenBuckets', () => {
  it('allows the burst, then answers the wait until the next token', () => {
    const t = { now: 1_000_000 };
    const b = createTokenBuckets({ perSecond: 1, burst: 2 }, 100, () => t.now);
    assert.equal(b.take('a'), 0);
    assert.equal(b.take('a'), 0);
    assert.equal(b.take('a'), 1000);
    assert.equal(b.wait('a'), 1000);
    assert.equal(b.take('b'), 0, 'another key has its own bucket');
    t.now += 1000;
    assert.equal(b.take('a'), 0);
  });

  it('forgets buckets that have refilled (regression: one bucket per subject ever seen, 141 MB at a million)', () => {
    const t = { now: 1_000_000 };
    const b = createTokenBuckets({ perSecond: 1, burst: 2 }, 1_000_000, () => t.now);
    for (let i = 0; i < 1000; i++) b.take(`old-${i}`);
    assert.equal(b.size, 1000);
    t.now += 2000; // every old bucket has refilled
    for (let i = 0; i < 600; i++) b.take(`new-${i}`);
    assert.equal(b.size, 600, 'two refilled buckets forgotten per take, so only the recent keys remain');
  });

  it('keeps a bucket that has not refilled, however many other keys take', () => {
    const t = { now: 1_000_000 };
    const b = createTokenBuckets({ perSecond: 1, burst: 2 }, 1_000_000, () => t.now);
    b.take('busy');
    b.take('busy');
    t.now += 500;
    for (let i = 0; i < 1000; i++) b.take(`k-${i}`);
    assert.equal(b.take('busy'), 500, 'still half a token short: its bucket was kept');
  });

  it('holds at most maxKeys buckets, the least recently taken going first', () => {
    const b = createTokenBuckets({ perSecond: 1, burst: 1 }, 2, () => 1_000_000);
    b.take('a');
    b.take('b');
    b.take('c');
    assert.equal(b.size, 2);
    assert.equal(b.take('a'), 0, "a's empty bucket was dropped for space");
    assert.equal(b.take('c'), 1000);
  });
});
