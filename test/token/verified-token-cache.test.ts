import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cacheVerifiedTokens, verificationMemoOf } from '../../src/token/verified-token-cache.ts';
import { tokenKey } from '../../src/lib/token-key.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import type { TokenVerifier, VerifiedToken } from '../../src/token/verify-token.ts';

/** A verifier that counts its calls; tokens named `bad*` fail, others expire at `exp`. */
function counting(exp: number) {
  const calls: string[] = [];
  const verify: TokenVerifier = async (token) => {
    calls.push(token);
    if (token.startsWith('bad')) throw new SidecarError('invalid_token', 'token signature is invalid');
    return { payload: { sub: token, iss: 'i', exp }, header: { alg: 'RS256' } } as VerifiedToken;
  };
  return { verify, calls };
}

describe('verified token cache', () => {
  it('verifies a repeated token once', async () => {
    const t = { now: 1_000_000 };
    const { verify, calls } = counting(2_000);
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 60, maxEntries: 10, now: () => t.now });
    try {
      assert.equal((await cached('a.b.c')).payload.sub, 'a.b.c');
      assert.equal((await cached('a.b.c')).payload.sub, 'a.b.c');
      assert.deepEqual(calls, ['a.b.c']);
      await cached('d.e.f');
      assert.deepEqual(calls, ['a.b.c', 'd.e.f'], 'another token is verified on its own');
    } finally {
      cached.close();
    }
  });

  it('never serves a cached verification past the token exp', async () => {
    const t = { now: 1_000_000 };
    const { verify, calls } = counting(1_010); // exp 10 s after "now"
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 60, maxEntries: 10, now: () => t.now });
    try {
      await cached('a.b.c');
      t.now += 11_000;
      await cached('a.b.c');
      assert.equal(calls.length, 2, 'after exp the token goes back through the verifier');
    } finally {
      cached.close();
    }
  });

  it('does not cache failures', async () => {
    const { verify, calls } = counting(2_000);
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 60, maxEntries: 10, now: () => 1_000_000 });
    try {
      await assert.rejects(cached('bad.b.c'), (e: unknown) => e instanceof SidecarError && e.code === 'invalid_token');
      await assert.rejects(cached('bad.b.c'));
      assert.equal(calls.length, 2);
    } finally {
      cached.close();
    }
  });

  it('ttl 0 verifies every time', async () => {
    const { verify, calls } = counting(2_000);
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 0, maxEntries: 10, now: () => 1_000_000 });
    await cached('a.b.c');
    await cached('a.b.c');
    assert.equal(calls.length, 2);
  });

  it('stays bounded when full, evicting the least recently used verification', async () => {
    const { verify, calls } = counting(2_000);
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 60, maxEntries: 2, now: () => 1_000_000 });
    try {
      await cached('a.x.y');
      await cached('b.x.y');
      await cached('a.x.y'); // a is now the most recently used
      await cached('c.x.y'); // evicts b
      assert.equal(cached.size, 2);
      await cached('a.x.y');
      await cached('c.x.y');
      assert.deepEqual(calls, ['a.x.y', 'b.x.y', 'c.x.y'], 'a and c were kept');
      await cached('b.x.y');
      assert.deepEqual(calls, ['a.x.y', 'b.x.y', 'c.x.y', 'b.x.y'], 'b was evicted: verified again');
    } finally {
      cached.close();
    }
  });

  it('keys by the whole token: the same header and payload with another signature is verified again', async () => {
    const { verify, calls } = counting(2_000);
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 60, maxEntries: 10, now: () => 1_000_000 });
    try {
      await cached('h.p.sig1');
      await cached('h.p.sig2');
      assert.deepEqual(calls, ['h.p.sig1', 'h.p.sig2']);
    } finally {
      cached.close();
    }
  });

  it('drops an expired entry when it is met, and shares one frozen result between requests', async () => {
    const t = { now: 1_000_000 };
    const { verify } = counting(5_000);
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 10, maxEntries: 10, now: () => t.now });
    try {
      const a = await cached('a.b.c');
      assert.equal(await cached('a.b.c'), a);
      assert.ok(Object.isFrozen(a) && Object.isFrozen(a.payload) && Object.isFrozen(a.header));
      assert.throws(() => {
        (a.payload as { sub: string }).sub = 'admin';
      }, TypeError);
      t.now += 10_001; // past ttlSeconds, before exp
      assert.notEqual(await cached('a.b.c'), a, 'verified again after the TTL');
      assert.equal(cached.size, 1);
    } finally {
      cached.close();
    }
  });

  it("a cached verification's memo is keyed by the token's hash, as the claims layer keys refusals, and is unseen", async () => {
    const { verify } = counting(5_000);
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 10, maxEntries: 10, now: () => 1_000_000 });
    try {
      const a = await cached('a.b.c');
      const memo = verificationMemoOf(a)!;
      assert.equal(memo.key, tokenKey('a.b.c'));
      assert.equal(verificationMemoOf(await cached('a.b.c')), memo);
      assert.deepStrictEqual(a, { payload: { sub: 'a.b.c', iss: 'i', exp: 5_000 }, header: { alg: 'RS256' } });
      assert.equal(JSON.stringify(a), '{"payload":{"sub":"a.b.c","iss":"i","exp":5000},"header":{"alg":"RS256"}}');
      assert.equal(verificationMemoOf({ payload: a.payload, header: a.header }), undefined, 'only what the cache made and holds has one');
    } finally {
      cached.close();
    }
  });

  it('an expired entry met and then refused by the verifier is gone, not served', async () => {
    const t = { now: 1_000_000 };
    let fail = false;
    const cached = cacheVerifiedTokens(async (token) => {
      if (fail) throw new SidecarError('invalid_token', 'token signature is invalid');
      return { payload: { sub: token, iss: 'i', exp: 5_000 }, header: { alg: 'RS256' } } as VerifiedToken;
    }, { ttlSeconds: 10, maxEntries: 10, now: () => t.now });
    try {
      await cached('a.b.c');
      t.now += 10_001;
      fail = true;
      await assert.rejects(cached('a.b.c'));
      assert.equal(cached.size, 0);
    } finally {
      cached.close();
    }
  });

  it('a verification begun under an older key set epoch is verified again; a pending removal is not cached', async () => {
    const { verify, calls } = counting(5_000);
    const keys = { epoch: 0 as number | undefined, refreshes: 0, keySetEpoch() { return this.epoch; }, refreshIfStale() { this.refreshes++; } };
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 600, maxEntries: 10, now: () => 1_000_000, keys });
    try {
      await cached('a.b.c');
      await cached('a.b.c');
      assert.equal(calls.length, 1);
      assert.equal(keys.refreshes, 1, 'each hit lets the key set refresh itself when stale');
      keys.epoch = 1; // a fetched JWKS dropped a key
      await cached('a.b.c');
      assert.equal(calls.length, 2, 'verified again under the new set');
      await cached('a.b.c');
      assert.equal(calls.length, 2, 'and cached again');
      keys.epoch = undefined; // a set without some key is fetched and may not be in use yet
      await cached('d.e.f');
      keys.epoch = 2;
      await cached('d.e.f');
      assert.equal(calls.length, 4, 'a verification made while a removal was pending was not kept');
      await cached('d.e.f');
      assert.equal(calls.length, 4);
    } finally {
      cached.close();
    }
  });
});
