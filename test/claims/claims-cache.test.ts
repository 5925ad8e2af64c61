import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClaimsCache, type Loaded } from '../../src/claims/claims-cache.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';

const clock = () => {
  const c = { t: 1_000_000, now: () => c.t };
  return c;
};
const loaded = (subject: string, over: Partial<Loaded> = {}): Loaded => ({
  value: { claims: { sub: subject }, roles: ['r'] },
  ttlSeconds: 60,
  subject,
  bytes: 1000,
  ...over,
});
const unavailable = () => Promise.reject(new SidecarError('claims_unavailable', 'userinfo answered 503'));

describe('claims cache', () => {
  it('keeps at most maxEntries, evicting the least recently used', async () => {
    const c = clock();
    const cache = createClaimsCache({ maxEntries: 3, maxBytes: 1e9, staleIfErrorSeconds: 0, now: c.now });
    for (const k of ['a', 'b', 'c']) await cache.getOrLoad(k, async () => loaded(k));
    assert.equal((await cache.getOrLoad('a', async () => assert.fail('a is cached'))).outcome, 'hit');
    await cache.getOrLoad('d', async () => loaded('d'));
    assert.equal(cache.stats.entries, 3);
    assert.equal(cache.stats.evictedForSpace, 1);
    let reloaded = false;
    await cache.getOrLoad('b', async () => ((reloaded = true), loaded('b')));
    assert.ok(reloaded, 'b was the least recently used (a was read after it)');
    cache.close();
  });

  it('keeps the estimated bytes under maxBytes, and does not cache an answer bigger than the whole budget', async () => {
    const cache = createClaimsCache({ maxEntries: 1000, maxBytes: 10_000, staleIfErrorSeconds: 0 });
    for (let i = 0; i < 50; i++) await cache.getOrLoad(`k${i}`, async () => loaded(`s${i}`, { bytes: 1500 }));
    assert.ok(cache.stats.bytes <= 10_000, `bytes ${cache.stats.bytes}`);
    assert.equal(cache.stats.entries, 6);
    const big = await cache.getOrLoad('big', async () => loaded('big', { bytes: 20_000 }));
    assert.equal(big.outcome, 'uncached');
    assert.equal(cache.stats.entries, 6, 'the big answer evicted nothing');
    cache.close();
  });

  it('serves stale claims only inside the stale-if-error window, and only for IdP failures', async () => {
    const c = clock();
    const cache = createClaimsCache({ maxEntries: 10, maxBytes: 1e9, staleIfErrorSeconds: 30, now: c.now });
    await cache.getOrLoad('k', async () => loaded('alice'));
    c.t += 61_000;
    const stale = await cache.getOrLoad('k', unavailable);
    assert.equal(stale.outcome, 'stale');
    assert.match(stale.staleReason!, /503/);
    c.t += 30_000;
    await assert.rejects(cache.getOrLoad('k', unavailable), { code: 'claims_unavailable' });
    cache.close();
  });

  it('drops the entry when the IdP refuses, so the old claims are not served stale later', async () => {
    const c = clock();
    const cache = createClaimsCache({ maxEntries: 10, maxBytes: 1e9, staleIfErrorSeconds: 300, now: c.now });
    await cache.getOrLoad('k', async () => loaded('alice'));
    c.t += 61_000;
    await assert.rejects(cache.getOrLoad('k', () => Promise.reject(new SidecarError('claims_rejected', 'refused'))), { code: 'claims_rejected' });
    await assert.rejects(cache.getOrLoad('k', unavailable), { code: 'claims_unavailable' });
    cache.close();
  });

  it('runs one load for concurrent callers of a key', async () => {
    const cache = createClaimsCache({ maxEntries: 10, maxBytes: 1e9, staleIfErrorSeconds: 0 });
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const all = Array.from({ length: 10 }, () => cache.getOrLoad('k', async () => (loads++, await gate, loaded('alice'))));
    release();
    const results = await Promise.all(all);
    assert.equal(loads, 1);
    assert.equal(results.filter((r) => r.outcome === 'miss').length, 10);
    cache.close();
  });

  it('remembers a refusal until its TTL ends', () => {
    const c = clock();
    const cache = createClaimsCache({ maxEntries: 10, maxBytes: 1e9, staleIfErrorSeconds: 0, now: c.now });
    cache.remember('r', new SidecarError('claims_rejected', 'refused'), 10);
    assert.equal(cache.refusal('r')?.code, 'claims_rejected');
    c.t += 10_000;
    assert.equal(cache.refusal('r'), undefined);
    cache.close();
  });

  it('counts the refusals it holds, through replacement, expiry and eviction (fetch-claims asks only when one is held)', () => {
    const c = clock();
    const cache = createClaimsCache({ maxEntries: 3, maxBytes: 1e9, staleIfErrorSeconds: 0, now: c.now });
    assert.equal(cache.refusals, 0);
    cache.remember('r1', new SidecarError('claims_rejected', 'refused'), 10);
    cache.remember('r1', new SidecarError('claims_rejected', 'refused again'), 10);
    cache.remember('r2', new SidecarError('claims_rejected', 'refused'), 5);
    assert.equal(cache.refusals, 2, 'a refusal remembered twice is held once');
    c.t += 5_000;
    assert.equal(cache.refusal('r2'), undefined);
    assert.equal(cache.refusals, 1, 'an expired refusal met is dropped');
    cache.remember('r3', new SidecarError('claims_rejected', 'refused'), 10);
    cache.remember('r4', new SidecarError('claims_rejected', 'refused'), 10);
    cache.remember('r5', new SidecarError('claims_rejected', 'refused'), 10);
    assert.equal(cache.stats.entries, 3);
    assert.equal(cache.refusals, 3, 'the refusal evicted for space is no longer counted');
    cache.close();
  });

  it('fresh() answers a fresh entry as a hit and nothing else, as getOrLoad would', async () => {
    const c = clock();
    const cache = createClaimsCache({ maxEntries: 10, maxBytes: 1e9, staleIfErrorSeconds: 60, now: c.now });
    assert.equal(cache.fresh('a'), undefined);
    await cache.getOrLoad('a', async () => loaded('alice'));
    cache.remember('r', new SidecarError('claims_rejected', 'refused'), 60);
    assert.deepEqual(cache.fresh('a')?.roles, ['r']);
    assert.equal(cache.stats.hits, 1);
    assert.equal(cache.fresh('r'), undefined, 'a refusal is not an answer');
    c.t += 60_000;
    assert.equal(cache.fresh('a'), undefined, 'a stale entry is for getOrLoad (stale-if-error), not a hit');
    assert.equal(cache.stats.hits, 1);
    cache.close();
  });

  it('evicts a subject, and a load in flight for it is not stored afterwards', async () => {
    const cache = createClaimsCache({ maxEntries: 10, maxBytes: 1e9, staleIfErrorSeconds: 0 });
    await cache.getOrLoad('u1', async () => loaded('alice'));
    await cache.getOrLoad('u2', async () => loaded('alice'));
    await cache.getOrLoad('u3', async () => loaded('bob'));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pending = cache.getOrLoad('u4', async () => (await gate, loaded('alice')), 'alice');
    assert.equal(cache.evictSubject('alice'), 2);
    release();
    assert.equal((await pending).outcome, 'uncached', 'pre-eviction claims are not put back');
    assert.equal(cache.stats.entries, 1);
    cache.close();
  });

  it('does not cache when the TTL is not positive (the token expires now)', async () => {
    const cache = createClaimsCache({ maxEntries: 10, maxBytes: 1e9, staleIfErrorSeconds: 60 });
    assert.equal((await cache.getOrLoad('k', async () => loaded('a', { ttlSeconds: -1 }))).outcome, 'uncached');
    assert.equal(cache.stats.entries, 0);
    cache.close();
  });
  it('peekSubject: the fresh claims last stored for a subject, without loading; nothing once expired or evicted', async () => {
    const c = clock();
    const cache = createClaimsCache({ maxEntries: 10, maxBytes: 1e9, staleIfErrorSeconds: 300, now: c.now });
    assert.equal(cache.peekSubject('bob'), undefined);
    await cache.getOrLoad('userinfo:client-a', async () => loaded('bob', { value: { claims: { sub: 'bob' }, roles: ['a'] } }));
    await cache.getOrLoad('userinfo:client-b', async () => loaded('bob', { value: { claims: { sub: 'bob' }, roles: ['b'] } }));
    assert.deepEqual(cache.peekSubject('bob')?.roles, ['b'], 'the last stored');
    const hits = cache.stats.hits;
    assert.equal(cache.peekSubject('alice'), undefined);
    assert.equal(cache.stats.hits, hits, 'a peek is not a lookup');
    c.t += 61_000;
    assert.equal(cache.peekSubject('bob'), undefined, 'stale claims are not fresh claims');
    c.t -= 61_000;
    cache.evictSubject('bob');
    assert.equal(cache.peekSubject('bob'), undefined);
    cache.close();
  });

  it('sweeps expired entries a bounded slice at a time, and keeps the fresh ones', async () => {
    const c = clock();
    const cache = createClaimsCache({ maxEntries: 20_000, maxBytes: 1e12, staleIfErrorSeconds: 0, now: c.now, sweepIntervalMs: 5 });
    for (let i = 0; i < 12_000; i++) await cache.getOrLoad(`old${i}`, async () => loaded(`o${i}`, { ttlSeconds: 10 }));
    c.t += 11_000;
    for (let i = 0; i < 100; i++) await cache.getOrLoad(`new${i}`, async () => loaded(`n${i}`, { ttlSeconds: 60 }));
    while (cache.stats.expired < 12_000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(cache.stats.entries, 100, 'only the fresh entries are left');
    assert.equal((await cache.getOrLoad('new7', async () => assert.fail('new7 is fresh'))).outcome, 'hit');
    cache.close();
  });
});
