import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClaimsEnricher, type EnrichOptions } from '../../src/claims/enrich-claims.ts';
import { createClaimsCache, type ClaimsCache } from '../../src/claims/claims-cache.ts';
import type { UserinfoClient } from '../../src/claims/userinfo-client.ts';
import type { VerifiedToken } from '../../src/token/verify-token.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';

const ISSUER = 'https://idp.example.com';
const NOW_MS = 1_750_000_000_000;
const TOKEN = 'header.payload.signature';

const caches: ClaimsCache[] = [];
after(() => {
  for (const c of caches) c.close();
});

/** A userinfo client answering `answer` (or throwing it), recording the tokens it was called with. */
function fakeUserinfo(answer: Record<string, unknown> | Error | ((token: string) => Record<string, unknown>)) {
  const calls: string[] = [];
  const client: UserinfoClient = {
    async fetch(token) {
      calls.push(token);
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer(token) : structuredClone(answer);
    },
    close: async () => undefined,
  };
  return { client, calls };
}

function verified(claims: Record<string, unknown> = {}): VerifiedToken {
  const payload = { iss: ISSUER, sub: 'alice', azp: 'web', scope: 'openid', exp: NOW_MS / 1000 + 3600, ...claims };
  return { payload: payload as VerifiedToken['payload'], header: { alg: 'RS256' } };
}

function enricher(options: Partial<EnrichOptions> & Pick<EnrichOptions, 'userinfo'>) {
  const cache = options.cache ?? createClaimsCache(100);
  caches.push(cache);
  return createClaimsEnricher({
    enrich: 'when-missing',
    roleClaims: ['roles'],
    cacheTtlSeconds: 300,
    now: () => NOW_MS,
    ...options,
    cache,
  });
}

async function rejectsWith(promise: Promise<unknown>, code: string, status: number): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SidecarError, `expected SidecarError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.status, status);
}

describe('when-missing', () => {
  test('a token with roles is used alone; userinfo is not called', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['from-userinfo'] });
    const out = await enricher({ userinfo: client })(TOKEN, verified({ roles: ['admin'] }));
    assert.deepEqual(out.subject.roles, ['admin']);
    assert.equal(out.source, 'token');
    assert.equal(out.cache, 'none');
    assert.deepEqual(calls, []);
  });

  test('a token whose roles claim is an empty list is not enriched (it says: no roles)', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['admin'] });
    const out = await enricher({ userinfo: client })(TOKEN, verified({ roles: [] }));
    assert.deepEqual(out.subject.roles, []);
    assert.deepEqual(calls, []);
  });

  test('a subject-only token is enriched from userinfo with the caller\'s token', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['orders-viewer'], name: 'Alice' });
    const out = await enricher({ userinfo: client })(TOKEN, verified());
    assert.deepEqual(out.subject.roles, ['orders-viewer']);
    assert.equal(out.subject['name'], 'Alice');
    assert.equal(out.source, 'userinfo');
    assert.equal(out.cache, 'miss');
    assert.deepEqual(calls, [TOKEN]);
  });

  test('the second request of the subject is a cache hit without a userinfo call', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['orders-viewer'] });
    const enrich = enricher({ userinfo: client });
    await enrich(TOKEN, verified());
    const second = await enrich('another.token.string', verified({ jti: 'other' }));
    assert.equal(second.cache, 'hit');
    assert.deepEqual(second.subject.roles, ['orders-viewer']);
    assert.equal(calls.length, 1);
  });

  test('tokens with another scope or client do not share cached claims', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['r'] });
    const enrich = enricher({ userinfo: client });
    await enrich(TOKEN, verified());
    await enrich(TOKEN, verified({ scope: 'openid roles' }));
    await enrich(TOKEN, verified({ azp: 'cli' }));
    assert.equal(calls.length, 3);
  });

  test('roles are read from the configured paths of the userinfo answer', async () => {
    const { client } = fakeUserinfo({ sub: 'alice', realm_access: { roles: ['admin'] }, groups: ['/ops'] });
    const out = await enricher({ userinfo: client, roleClaims: ['realm_access.roles', 'groups'] })(TOKEN, verified());
    assert.deepEqual(out.subject.roles, ['admin', '/ops']);
  });

  test('a userinfo answer without roles gives an empty role list', async () => {
    const { client } = fakeUserinfo({ sub: 'alice' });
    const out = await enricher({ userinfo: client })(TOKEN, verified());
    assert.deepEqual(out.subject.roles, []);
  });

  test('without a userinfo endpoint, a token lacking roles is claims_unavailable', async () => {
    await rejectsWith(enricher({ userinfo: undefined })(TOKEN, verified()), 'claims_unavailable', 503);
  });
});

describe('always and never', () => {
  test('always calls userinfo even when the token has roles, and unites both role lists', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['b', 'c'] });
    const out = await enricher({ userinfo: client, enrich: 'always' })(TOKEN, verified({ roles: ['a', 'b'] }));
    assert.deepEqual(out.subject.roles, ['a', 'b', 'c']);
    assert.equal(out.source, 'userinfo');
    assert.equal(calls.length, 1);
  });

  test('never does not call userinfo; a token without roles has none', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['admin'] });
    const out = await enricher({ userinfo: client, enrich: 'never' })(TOKEN, verified());
    assert.deepEqual(out.subject.roles, []);
    assert.equal(out.source, 'token');
    assert.equal(out.cache, 'none');
    assert.deepEqual(calls, []);
  });

  test('never works without a userinfo endpoint', async () => {
    const out = await enricher({ userinfo: undefined, enrich: 'never' })(TOKEN, verified({ roles: ['admin'] }));
    assert.deepEqual(out.subject.roles, ['admin']);
  });

  test('subject.roles comes only from the configured paths, not from a token claim named roles', async () => {
    const out = await enricher({ userinfo: undefined, enrich: 'never', roleClaims: ['groups'] })(TOKEN, verified({ roles: ['admin'] }));
    assert.deepEqual(out.subject.roles, []);
  });
});

describe('merging', () => {
  test('token claims win over userinfo claims of the same name', async () => {
    const { client } = fakeUserinfo({
      sub: 'alice',
      iss: 'https://evil.example.com',
      email: 'attacker@example.com',
      azp: 'evil',
      exp: 9999999999,
      name: 'Alice',
      roles: ['viewer'],
    });
    const out = await enricher({ userinfo: client })(TOKEN, verified({ email: 'alice@example.com' }));
    assert.equal(out.subject.iss, ISSUER);
    assert.equal(out.subject['email'], 'alice@example.com');
    assert.equal(out.subject['azp'], 'web');
    assert.equal(out.subject['exp'], NOW_MS / 1000 + 3600);
    assert.equal(out.subject['name'], 'Alice', 'claims only userinfo has are kept');
    assert.deepEqual(out.subject.roles, ['viewer']);
  });

  test('the subject does not alias the cached claims', async () => {
    const { client } = fakeUserinfo({ sub: 'alice', roles: ['viewer'], name: 'Alice' });
    const enrich = enricher({ userinfo: client });
    const first = await enrich(TOKEN, verified());
    (first.subject as Record<string, unknown>)['name'] = 'Mallory';
    const second = await enrich(TOKEN, verified());
    assert.equal(second.subject['name'], 'Alice');
  });
});

describe('subject check', () => {
  test('userinfo answering for another subject is subject_mismatch (401)', async () => {
    const { client } = fakeUserinfo({ sub: 'bob', roles: ['admin'] });
    await rejectsWith(enricher({ userinfo: client })(TOKEN, verified()), 'subject_mismatch', 401);
  });

  test('userinfo without sub is subject_mismatch', async () => {
    const { client } = fakeUserinfo({ roles: ['admin'] });
    await rejectsWith(enricher({ userinfo: client })(TOKEN, verified()), 'subject_mismatch', 401);
  });

  test('a mismatch is not cached: the next request asks userinfo again', async () => {
    let sub = 'bob';
    const { client, calls } = fakeUserinfo(() => ({ sub, roles: ['viewer'] }));
    const enrich = enricher({ userinfo: client });
    await rejectsWith(enrich(TOKEN, verified()), 'subject_mismatch', 401);
    sub = 'alice';
    assert.deepEqual((await enrich(TOKEN, verified())).subject.roles, ['viewer']);
    assert.equal(calls.length, 2);
  });

  test('userinfo errors pass through unchanged and are not cached', async () => {
    const rejected = new SidecarError('claims_rejected', 'refused');
    const { client, calls } = fakeUserinfo(rejected);
    const enrich = enricher({ userinfo: client });
    await assert.rejects(enrich(TOKEN, verified()), (err) => err === rejected);
    await assert.rejects(enrich(TOKEN, verified()), (err) => err === rejected);
    assert.equal(calls.length, 2);
  });
});

describe('cache lifetime', () => {
  /** A cache that records the ttl it is asked for and never caches. */
  function spyCache() {
    const ttls: number[] = [];
    const cache: ClaimsCache = {
      async getOrLoad(_key, ttl, load) {
        ttls.push(ttl);
        return { value: await load(), outcome: 'uncached' };
      },
      delete: () => undefined,
      size: 0,
      close: () => undefined,
    };
    return { cache, ttls };
  }

  test('a token expiring in 2 s is cached for at most 2 s even with ttl 300', async () => {
    const { cache, ttls } = spyCache();
    const { client } = fakeUserinfo({ sub: 'alice', roles: ['r'] });
    await enricher({ userinfo: client, cache, cacheTtlSeconds: 300 })(TOKEN, verified({ exp: NOW_MS / 1000 + 2 }));
    assert.equal(ttls.length, 1);
    assert.ok(ttls[0]! > 0 && ttls[0]! <= 2, `ttl ${ttls[0]}`);
  });

  test('a token expiring late is cached for cacheTtlSeconds', async () => {
    const { cache, ttls } = spyCache();
    const { client } = fakeUserinfo({ sub: 'alice' });
    await enricher({ userinfo: client, cache, cacheTtlSeconds: 300 })(TOKEN, verified({ exp: NOW_MS / 1000 + 86400 }));
    assert.deepEqual(ttls, [300]);
  });

  test('a token already past exp (within the clock tolerance) is not cached', async () => {
    const { cache, ttls } = spyCache();
    const { client } = fakeUserinfo({ sub: 'alice' });
    await enricher({ userinfo: client, cache })(TOKEN, verified({ exp: NOW_MS / 1000 - 10 }));
    assert.ok(ttls[0]! <= 0, `ttl ${ttls[0]}`);
  });

  test('with a real cache, claims of a token about to expire are dropped when it expires', async () => {
    // exp lies 100 ms after the enricher's clock: the entry must not outlive it.
    const exp = Math.floor(NOW_MS / 1000) + 1;
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['r'] });
    const enrich = enricher({ userinfo: client, cacheTtlSeconds: 300, now: () => exp * 1000 - 100 });
    assert.equal((await enrich(TOKEN, verified({ exp }))).cache, 'miss');
    assert.equal((await enrich(TOKEN, verified({ exp }))).cache, 'hit');
    await sleep(150);
    assert.equal((await enrich(TOKEN, verified({ exp }))).cache, 'miss');
    assert.equal(calls.length, 2);
  });

  test('cacheTtlSeconds 0 asks userinfo every time', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['r'] });
    const enrich = enricher({ userinfo: client, cacheTtlSeconds: 0 });
    assert.equal((await enrich(TOKEN, verified())).cache, 'uncached');
    assert.equal((await enrich(TOKEN, verified())).cache, 'uncached');
    assert.equal(calls.length, 2);
  });

  test('concurrent requests of one subject call userinfo once', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['r'] });
    const enrich = enricher({ userinfo: client });
    const out = await Promise.all(Array.from({ length: 10 }, () => enrich(TOKEN, verified())));
    assert.equal(calls.length, 1);
    assert.ok(out.every((o) => o.subject.roles[0] === 'r'));
  });
});
