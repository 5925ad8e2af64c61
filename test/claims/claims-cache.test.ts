import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimsCacheKey, createClaimsCache, type CachedClaims, type ClaimsCache } from '../../src/claims/claims-cache.ts';

const caches: ClaimsCache[] = [];
function newCache(maxEntries = 100): ClaimsCache {
  const cache = createClaimsCache(maxEntries);
  caches.push(cache);
  return cache;
}
after(() => {
  for (const c of caches) c.close();
});

const value = (sub: string, roles: string[] = ['viewer']): CachedClaims => ({ claims: { sub }, roles });

describe('getOrLoad', () => {
  test('20 concurrent loads of one key call load exactly once and share its value', async () => {
    const cache = newCache();
    let calls = 0;
    const load = async () => {
      calls++;
      await sleep(20);
      return value('alice');
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.getOrLoad('k', 60, load)));
    assert.equal(calls, 1);
    for (const r of results) assert.equal(r.value, results[0]!.value);
    assert.deepEqual(results.map((r) => r.outcome).filter((o) => o !== 'miss'), []);
  });

  test('a cached value is a hit and load is not called again', async () => {
    const cache = newCache();
    let calls = 0;
    const load = async () => {
      calls++;
      return value('alice');
    };
    assert.equal((await cache.getOrLoad('k', 60, load)).outcome, 'miss');
    const second = await cache.getOrLoad('k', 60, load);
    assert.equal(second.outcome, 'hit');
    assert.deepEqual(second.value, value('alice'));
    assert.equal(calls, 1);
    assert.equal(cache.size, 1);
  });

  test('cached values are frozen', async () => {
    const cache = newCache();
    await cache.getOrLoad('k', 60, async () => value('alice'));
    const { value: v } = await cache.getOrLoad('k', 60, async () => value('bob'));
    assert.ok(Object.isFrozen(v));
  });

  test('different keys load separately', async () => {
    const cache = newCache();
    const seen: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        cache.getOrLoad(k, 60, async () => {
          seen.push(k);
          return value(k);
        }),
      ),
    );
    assert.deepEqual(seen.sort(), ['a', 'b', 'c']);
    assert.equal(cache.size, 3);
  });

  test('a failed load rejects every concurrent caller and is not cached', async () => {
    const cache = newCache();
    let calls = 0;
    const failing = async (): Promise<CachedClaims> => {
      calls++;
      await sleep(10);
      throw new Error('userinfo down');
    };
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => cache.getOrLoad('k', 60, failing)));
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'userinfo down'));
    assert.equal(cache.size, 0);

    const next = await cache.getOrLoad('k', 60, async () => {
      calls++;
      return value('alice');
    });
    assert.equal(calls, 2, 'the error was cached');
    assert.equal(next.outcome, 'miss');
  });

  test('ttl 0 is uncached and the next call loads again', async () => {
    const cache = newCache();
    let calls = 0;
    const load = async () => {
      calls++;
      return value('alice');
    };
    assert.equal((await cache.getOrLoad('k', 0, load)).outcome, 'uncached');
    assert.equal((await cache.getOrLoad('k', 0, load)).outcome, 'uncached');
    assert.equal(calls, 2);
    assert.equal(cache.size, 0);
  });

  test('a negative ttl (token already past exp) is uncached, never "forever"', async () => {
    const cache = newCache();
    assert.equal((await cache.getOrLoad('k', -5, async () => value('alice'))).outcome, 'uncached');
    assert.equal(cache.size, 0);
  });

  test('a fractional ttl expires', async () => {
    const cache = newCache();
    let calls = 0;
    const load = async () => {
      calls++;
      return value('alice');
    };
    await cache.getOrLoad('k', 0.05, load);
    assert.equal((await cache.getOrLoad('k', 0.05, load)).outcome, 'hit');
    await sleep(80);
    assert.equal((await cache.getOrLoad('k', 0.05, load)).outcome, 'miss');
    assert.equal(calls, 2);
  });

  test('when maxEntries is reached, new keys are served uncached and the size stays bounded', async () => {
    const cache = newCache(3);
    for (const k of ['a', 'b', 'c']) assert.equal((await cache.getOrLoad(k, 60, async () => value(k))).outcome, 'miss');
    for (let i = 0; i < 10; i++) {
      const r = await cache.getOrLoad(`extra-${i}`, 60, async () => value(`extra-${i}`));
      assert.equal(r.outcome, 'uncached');
      assert.equal(r.value.claims['sub'], `extra-${i}`);
    }
    assert.equal(cache.size, 3);
    assert.equal((await cache.getOrLoad('a', 60, async () => value('other'))).outcome, 'hit', 'existing entries stay served');
  });

  test('delete drops an entry so the next call loads again', async () => {
    const cache = newCache();
    let calls = 0;
    const load = async () => {
      calls++;
      return value('alice');
    };
    await cache.getOrLoad('k', 60, load);
    cache.delete('k');
    assert.equal(cache.size, 0);
    assert.equal((await cache.getOrLoad('k', 60, load)).outcome, 'miss');
    assert.equal(calls, 2);
  });
});

describe('claimsCacheKey', () => {
  const base = { iss: 'https://idp.example.com', sub: 'alice', azp: 'web', scope: 'openid profile roles' };

  test('is stable for the same claims', () => {
    assert.equal(claimsCacheKey({ ...base }), claimsCacheKey({ ...base }));
  });

  test('differs by iss, sub, azp and scope', () => {
    const key = claimsCacheKey(base);
    assert.notEqual(claimsCacheKey({ ...base, iss: 'https://other.example.com' }), key);
    assert.notEqual(claimsCacheKey({ ...base, sub: 'bob' }), key);
    assert.notEqual(claimsCacheKey({ ...base, azp: 'cli' }), key);
    assert.notEqual(claimsCacheKey({ ...base, scope: 'openid profile' }), key);
    const { azp: _azp, ...noAzp } = base;
    assert.notEqual(claimsCacheKey(noAzp), key);
  });

  test('client_id stands in for azp', () => {
    const { azp: _azp, ...noAzp } = base;
    assert.equal(claimsCacheKey({ ...noAzp, client_id: 'web' }), claimsCacheKey(base));
    assert.notEqual(claimsCacheKey({ ...noAzp, client_id: 'cli' }), claimsCacheKey(base));
  });

  test('is the same for every order of the scope values and extra spaces', () => {
    const key = claimsCacheKey(base);
    assert.equal(claimsCacheKey({ ...base, scope: 'roles openid profile' }), key);
    assert.equal(claimsCacheKey({ ...base, scope: 'profile roles openid' }), key);
    assert.equal(claimsCacheKey({ ...base, scope: ' openid  profile roles ' }), key);
  });

  test('fields cannot be shifted into each other', () => {
    assert.notEqual(
      claimsCacheKey({ iss: 'https://idp.example.com', sub: 'alice web', azp: '' }),
      claimsCacheKey({ iss: 'https://idp.example.com', sub: 'alice', azp: 'web' }),
    );
  });

  test('ignores claims that do not change the userinfo answer', () => {
    assert.equal(claimsCacheKey({ ...base, jti: 'a', exp: 1, iat: 2 }), claimsCacheKey({ ...base, jti: 'b', exp: 3, iat: 4 }));
  });

  test('never contains the token or its parts', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const key = claimsCacheKey({ ...base, sub: 'alice', token, jti: token });
    assert.ok(!key.includes(token));
    for (const part of token.split('.')) assert.ok(!key.includes(part));
    assert.ok(!key.includes('alice'));
    assert.match(key, /^[A-Za-z0-9_-]{43}$/, 'a base64url SHA-256');
  });
});
