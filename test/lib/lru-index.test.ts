import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { LruEntry, LruIndex } from '../../src/lib/lru-index.ts';
import { ShardedMap, anyKeyShard, hashedKeyShard } from '../../src/lib/sharded-map.ts';

class E extends LruEntry {}
const keys = (index: LruIndex<E>): string[] => {
  const out: string[] = [];
  index.forEach((e) => out.push(e.key));
  return out;
};
const filled = (...ks: string[]): LruIndex<E> => {
  const index = new LruIndex<E>();
  for (const k of ks) index.add(new E(k));
  return index;
};

describe('LruIndex (entries in least-recently-used order)', () => {
  it('keeps use order: a use moves an entry to the newest end, the oldest is first', () => {
    const index = filled('a', 'b', 'c');
    index.use(index.get('a')!);
    assert.deepEqual(keys(index), ['b', 'c', 'a']);
    assert.equal(index.oldest()!.key, 'b');
    index.remove(index.get('c')!);
    assert.deepEqual(keys(index), ['b', 'a']);
    assert.equal(index.size, 2);
    assert.equal(index.get('c'), undefined);
  });

  it('replaces an entry added under a key it holds, as the newest', () => {
    const index = filled('a', 'b');
    const a2 = new E('a');
    index.add(a2);
    assert.deepEqual(keys(index), ['b', 'a']);
    assert.equal(index.get('a'), a2);
    assert.equal(index.size, 2);
    index.remove(new E('b'));
    assert.equal(index.size, 2, 'removing an entry it does not hold (same key, another entry) does nothing');
  });

  it('walks a bounded slice at a time, goes on where it stopped, and starts over after the newest', () => {
    const index = filled('a', 'b', 'c', 'd', 'e');
    const seen: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const slice: string[] = [];
      index.walk(2, (e) => slice.push(e.key));
      seen.push(slice);
    }
    assert.deepEqual(seen, [['a', 'b'], ['c', 'd'], ['e'], ['a', 'b']]);
  });

  it('keeps walking right when the walk removes entries, or the next one is removed or used meanwhile', () => {
    const index = filled('a', 'b', 'c', 'd', 'e', 'f');
    const slice: string[] = [];
    index.walk(2, (e) => {
      slice.push(e.key);
      index.remove(e);
    });
    assert.deepEqual(slice, ['a', 'b']);
    index.remove(index.get('c')!); // where the walk goes on
    index.use(index.get('d')!);
    const next: string[] = [];
    index.walk(10, (e) => next.push(e.key));
    assert.deepEqual(next, ['e', 'f', 'd'], 'the removed one is skipped; the used one is met at its new place');
    assert.deepEqual(keys(index), ['e', 'f', 'd']);
  });

  it('forEach lets the callback remove what it is given; clear empties everything', () => {
    const index = filled('a', 'b', 'c');
    index.forEach((e) => e.key !== 'b' && index.remove(e));
    assert.deepEqual(keys(index), ['b']);
    index.clear();
    assert.equal(index.size, 0);
    assert.equal(index.oldest(), undefined);
    index.walk(5, () => assert.fail('nothing to walk'));
  });
});

describe('ShardedMap', () => {
  it('is a Map by key whatever the shard, and counts its entries', () => {
    const m = new ShardedMap<number>(anyKeyShard);
    for (let i = 0; i < 1000; i++) m.set(`k${i}`, i);
    m.set('k5', 55);
    assert.equal(m.size, 1000);
    assert.equal(m.get('k5'), 55);
    assert.equal(m.delete('k5'), true);
    assert.equal(m.delete('k5'), false);
    assert.equal(m.size, 999);
    assert.equal(m.get('nope'), undefined);
    m.clear();
    assert.equal(m.size, 0);
  });

  it('spreads keys that end alike (subject ids) and hashed keys over the shards', () => {
    const spread = (shardOf: (k: string) => number, ks: string[]) => new Set(ks.map(shardOf)).size;
    const subjects = Array.from({ length: 2000 }, (_, i) => JSON.stringify(['https://idp.example.com', `user${i}@example.com`]));
    assert.ok(spread(anyKeyShard, subjects) >= 60, 'subject ids');
    const hashed = Array.from({ length: 2000 }, (_, i) => `userinfo:${hash('sha256', `${i}`, 'base64url')}`);
    assert.equal(spread(hashedKeyShard, hashed), 64, 'keys ending in a SHA-256, base64url');
    assert.equal(hashedKeyShard('a'), 0, 'a one-character key has a shard too');
  });
});
