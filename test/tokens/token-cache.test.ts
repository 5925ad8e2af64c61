import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenCache, type CachePlan } from '../../src/tokens/token-cache.ts';
import type { IssuedToken } from '../../src/tokens/request-token.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { rejectsWithCode } from '../helpers/rejects-with-code.ts';

/** The cache's rules with a clock the test moves: single-flight, refresh ahead, never past the usable end. */

let clock = 1_000_000;
const now = (): number => clock;
const issued = (n: number, lifetimeMs: number): IssuedToken => ({ accessToken: `t${n}`, expiresAt: clock + lifetimeMs, tokenType: 'Bearer', scope: undefined, issuedTokenType: undefined });
const plan = (t: IssuedToken): CachePlan => ({ refreshAt: t.expiresAt - 10_000, usableUntil: t.expiresAt - 1_000 });
const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { promise, resolve, reject };
};

describe('token cache', () => {
  test('concurrent askers of one key share one fetch; other keys fetch on their own', async () => {
    const cache = createTokenCache({ maxEntries: 10, now });
    let calls = 0;
    const gate = deferred<IssuedToken>();
    const fetch = () => (calls++, gate.promise);
    const all = Promise.all(Array.from({ length: 20 }, () => cache.get('a', fetch, plan)));
    const other = cache.get('b', async () => issued(99, 60_000), plan);
    gate.resolve(issued(1, 60_000));
    const got = await all;
    assert.equal(calls, 1);
    assert.ok(got.every((g) => g.token.accessToken === 't1' && g.outcome === 'miss'));
    assert.equal((await other).token.accessToken, 't99');
    assert.equal((await cache.get('a', fetch, plan)).outcome, 'hit');
    assert.equal(calls, 1);
  });

  test('past its refresh time the old token is still served while one background refresh runs, then the new one', async () => {
    const events: string[] = [];
    const cache = createTokenCache({ maxEntries: 10, now, onRefresh: (_k, o) => events.push(o) });
    let n = 0;
    const gate = deferred<IssuedToken>();
    const fetch = (): Promise<IssuedToken> => (++n === 1 ? Promise.resolve(issued(1, 60_000)) : gate.promise);
    await cache.get('k', fetch, plan);
    clock += 51_000; // 9 s left: inside the 10 s refresh lead
    const during = await Promise.all([cache.get('k', fetch, plan), cache.get('k', fetch, plan)]);
    assert.deepEqual(during.map((g) => [g.token.accessToken, g.outcome]), [['t1', 'hit'], ['t1', 'hit']]);
    assert.equal(n, 2, 'one refresh for both lookups');
    gate.resolve(issued(2, 60_000));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ['started', 'ok']);
    assert.equal((await cache.get('k', fetch, plan)).token.accessToken, 't2');
  });

  test('a failed refresh keeps the old token only until its usable end, then the failure reaches the caller: never a token past it', async () => {
    const cache = createTokenCache({ maxEntries: 10, now });
    let n = 0;
    const fetch = async (): Promise<IssuedToken> => {
      if (++n === 1) return issued(1, 60_000);
      throw new SidecarError('token_unavailable', 'IdP down');
    };
    const first = await cache.get('k', fetch, plan);
    const exp = first.token.expiresAt;
    clock += 55_000;
    assert.equal((await cache.get('k', fetch, plan)).token.accessToken, 't1');
    await new Promise((r) => setImmediate(r));
    assert.equal(n, 2);
    // The next refresh waits a moment after a failure: not one IdP call per lookup.
    assert.equal((await cache.get('k', fetch, plan)).token.accessToken, 't1');
    assert.equal(n, 2);
    clock = exp - 1_000; // the usable end (expiresAt - 1 s)
    await rejectsWithCode(cache.get('k', fetch, plan), 'token_unavailable', 503);
    clock = exp + 5_000;
    await rejectsWithCode(cache.get('k', fetch, plan), 'token_unavailable', 503);
    assert.equal(cache.size, 0);
  });

  test('a failure is not cached: the next lookup asks again', async () => {
    const cache = createTokenCache({ maxEntries: 10, now });
    let n = 0;
    const fetch = async (): Promise<IssuedToken> => {
      if (++n === 1) throw new SidecarError('token_refused', 'invalid_grant');
      return issued(2, 60_000);
    };
    await rejectsWithCode(cache.get('k', fetch, plan), 'token_refused', 403);
    assert.equal((await cache.get('k', fetch, plan)).token.accessToken, 't2');
  });

  test('a token already expired when it arrives is refused; one shorter-lived than the margin is handed out once and not kept', async () => {
    const cache = createTokenCache({ maxEntries: 10, now });
    await rejectsWithCode(cache.get('k', async () => ({ ...issued(1, 0), expiresAt: clock - 1 }), plan), 'token_unavailable', 503, /already expired/);
    const short = await cache.get('k', async () => issued(2, 500), plan);
    assert.equal(short.token.accessToken, 't2');
    assert.equal(cache.size, 0);
  });

  test('bounded: when full, the entry that lapses first is dropped', async () => {
    const cache = createTokenCache({ maxEntries: 2, now });
    await cache.get('long', async () => issued(1, 600_000), plan);
    await cache.get('short', async () => issued(2, 60_000), plan);
    await cache.get('third', async () => issued(3, 300_000), plan);
    assert.equal(cache.size, 2);
    let fetched = false;
    await cache.get('long', async () => ((fetched = true), issued(4, 60_000)), plan);
    assert.equal(fetched, false, 'the longest-lived entry stayed');
    await cache.get('short', async () => ((fetched = true), issued(5, 60_000)), plan);
    assert.equal(fetched, true, 'the shortest-lived entry was dropped');
  });
});
