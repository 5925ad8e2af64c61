import { it } from 'node:test';
import assert from 'node:assert/strict';
import { gcPausesBetween, type LoopDelay } from '../src/lib/loop-delay.ts';

const reading = (gc: Record<string, Record<string, number>>): LoopDelay => ({
  p99Ms: 0,
  maxMs: 0,
  minMs: 0,
  gc: new Map(Object.entries(gc).map(([kind, b]) => [kind, new Map(Object.entries(b).map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n]))])),
});

it('counts the GC pauses between two readings, those over 20 ms, and the bound the longest fits under', () => {
  const before = reading({ minor: { 5: 10, 20: 10, 50: 10, '+Inf': 10 }, major: { 5: 1, 20: 2, 50: 2, '+Inf': 2 } });
  // 5 more scavenges (one of 5–20 ms), 2 more mark-compacts (one of 20–50 ms, one past 50 ms).
  const after = reading({ minor: { 5: 14, 20: 15, 50: 15, '+Inf': 15 }, major: { 5: 1, 20: 3, 50: 3, '+Inf': 4 } });
  assert.deepEqual(gcPausesBetween(before, after, 20), { pauses: 7, over: 1, longestAtMostMs: Infinity });
  const quieter = reading({ minor: { 5: 14, 20: 15, 50: 15, '+Inf': 15 }, major: { 5: 1, 20: 2, 50: 3, '+Inf': 3 } });
  assert.deepEqual(gcPausesBetween(before, quieter, 20), { pauses: 6, over: 1, longestAtMostMs: 50 });
  assert.deepEqual(gcPausesBetween(before, before, 20), { pauses: 0, over: 0, longestAtMostMs: 0 });
});

it('refuses a histogram without the bound asked about, rather than counting nothing', () => {
  const r = reading({ minor: { 10: 1, '+Inf': 1 } });
  assert.throws(() => gcPausesBetween(reading({}), r, 20), /no 20 ms bucket/);
});
