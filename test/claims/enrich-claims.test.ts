import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClaimsEnricher, type EnrichOptions, type Narrowing } from '../../src/claims/enrich-claims.ts';
import { createClaimsCache, type ClaimsCache } from '../../src/claims/claims-cache.ts';
import { createClaimsFetcher, createClaimsSource } from '../../src/claims/fetch-claims.ts';
import { createCircuitBreaker } from '../../src/claims/circuit-breaker.ts';
import { parseRoleClaims } from '../../src/claims/role-claims.ts';
import type { ClaimsClient } from '../../src/claims/userinfo-client.ts';
import type { VerifiedToken } from '../../src/token/verify-token.ts';
import { cacheVerifiedTokens, verificationMemoOf } from '../../src/token/verified-token-cache.ts';
import { randomUUID } from 'node:crypto';
import { countHeapStrings } from '../helpers/heap-strings.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { rejectsWithCode as rejectsWith } from '../helpers/rejects-with-code.ts';

const ISSUER = 'https://idp.example.com';
const START_MS = 1_750_000_000_000;
const TOKEN = 'header.payload.signature';

const caches: ClaimsCache[] = [];
after(() => {
  for (const c of caches) c.close();
});

/**
 * A userinfo client answering `answer` (or throwing it), recording the tokens it was called with.
 * The HTTP side has its own tests against real servers (userinfo-client.test.ts); this file is
 * about what the enricher does with an answer.
 */
function fakeUserinfo(answer: Record<string, unknown> | Error | ((token: string) => Record<string, unknown>)) {
  const calls: string[] = [];
  const client: ClaimsClient = {
    async fetch(token) {
      calls.push(token);
      if (answer instanceof Error) throw answer;
      const claims = typeof answer === 'function' ? answer(token) : structuredClone(answer);
      return { claims, bytes: JSON.stringify(claims).length };
    },
    close: async () => undefined,
  };
  return { client, calls };
}

function verified(claims: Record<string, unknown> = {}): VerifiedToken {
  const payload = { iss: ISSUER, sub: 'alice', azp: 'web', scope: 'openid', exp: START_MS / 1000 + 3600, ...claims };
  return { payload: payload as VerifiedToken['payload'], header: { alg: 'RS256' } };
}

interface Options extends Partial<Omit<EnrichOptions, 'roleClaims' | 'sources' | 'fetch' | 'cache'>> {
  /** undefined: the issuer publishes no userinfo endpoint. */
  readonly userinfo: ClaimsClient | undefined;
  readonly roleClaims?: readonly string[];
  readonly cacheTtlSeconds?: number;
  readonly negativeTtlSeconds?: number;
}

/**
 * The enricher wired as src/main.ts wires it (real cache, fetcher, breaker), on a clock the test
 * moves. The breaker's threshold is out of reach: it has its own tests.
 */
function enricher(options: Options) {
  const clock = { t: START_MS };
  const now = () => clock.t;
  const cache = createClaimsCache({ maxEntries: 100, maxBytes: 1e9, staleIfErrorSeconds: 0, now });
  caches.push(cache);
  const roleClaims = parseRoleClaims(options.roleClaims ?? ['roles']);
  const fetch = createClaimsFetcher({
    cache,
    roleClaims,
    issuer: ISSUER,
    cacheTtlSeconds: options.cacheTtlSeconds ?? 300,
    negativeTtlSeconds: options.negativeTtlSeconds ?? 10,
    now,
  });
  const breaker = createCircuitBreaker({ name: 'userinfo', failureThreshold: 1000, coolOffMs: 1000, now });
  const enrich = createClaimsEnricher({
    enrich: options.enrich ?? 'when-missing',
    merge: options.merge ?? 'token-wins',
    roleMerge: options.roleMerge ?? 'union',
    roleClaims,
    sources: [createClaimsSource('userinfo', options.userinfo, breaker)],
    fetch,
    cache,
  });
  return Object.assign(enrich, { advance: (ms: number) => void (clock.t += ms) });
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

  test('the second request of the subject is a cache hit without a userinfo call, even with another token', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['orders-viewer'] });
    const enrich = enricher({ userinfo: client });
    await enrich(TOKEN, verified());
    const second = await enrich('another.token.string', verified({ jti: 'other' }));
    assert.equal(second.cache, 'hit');
    assert.deepEqual(second.subject.roles, ['orders-viewer']);
    assert.equal(calls.length, 1);
  });

  test('a cached verification gets the same frozen subject on each hit, rebuilt when its claims change', async () => {
    let name = 'Alice';
    const { client } = fakeUserinfo(() => ({ sub: 'alice', roles: ['orders-viewer'], name }));
    const enrich = enricher({ userinfo: client, cacheTtlSeconds: 60 });
    // What the verified-token cache hands every request with this token (src/token/verified-token-cache.ts).
    const v = await cacheVerifiedTokens(async () => verified(), { ttlSeconds: 3600, maxEntries: 10, now: () => START_MS })(TOKEN);
    const first = await enrich(TOKEN, v);
    const second = await enrich(TOKEN, v);
    assert.equal(second.cache, 'hit');
    assert.equal(second.subject, first.subject);
    assert.ok(Object.isFrozen(second.subject));
    name = 'Alice B.';
    enrich.advance(61_000); // the claims expire; the token is still valid
    const third = await enrich(TOKEN, v);
    assert.equal(third.cache, 'miss');
    assert.notEqual(third.subject, first.subject);
    assert.equal(third.subject['name'], 'Alice B.');
    const unfrozen = await enrich(TOKEN, verified());
    assert.notEqual(unfrozen.subject, third.subject, 'a verification that is not a cached one gets its own subject');
    assert.deepEqual(unfrozen.subject, third.subject);
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
    assert.equal(out.subject['exp'], START_MS / 1000 + 3600);
    assert.equal(out.subject['name'], 'Alice', 'claims only userinfo has are kept');
    assert.deepEqual(out.subject.roles, ['viewer']);
  });

  test('the subject does not alias the cached claims', async () => {
    const { client } = fakeUserinfo({ sub: 'alice', roles: ['viewer'], name: 'Alice' });
    const enrich = enricher({ userinfo: client });
    const first = await enrich(TOKEN, verified());
    (first.subject as Record<string, unknown>)['name'] = 'Mallory';
    const second = await enrich(TOKEN, verified());
    assert.equal(second.cache, 'hit');
    assert.equal(second.subject['name'], 'Alice');
  });
});

describe('subject check', () => {
  test('userinfo without sub is subject_mismatch', async () => {
    const { client } = fakeUserinfo({ roles: ['admin'] });
    await rejectsWith(enricher({ userinfo: client })(TOKEN, verified()), 'subject_mismatch', 401);
  });

  test('userinfo answering for another subject is subject_mismatch (401), and is not cached: the next request asks again', async () => {
    let sub = 'bob';
    const { client, calls } = fakeUserinfo(() => ({ sub, roles: ['viewer'] }));
    const enrich = enricher({ userinfo: client });
    await rejectsWith(enrich(TOKEN, verified()), 'subject_mismatch', 401);
    sub = 'alice';
    assert.deepEqual((await enrich(TOKEN, verified())).subject.roles, ['viewer']);
    assert.equal(calls.length, 2);
  });

  // A claims_rejected refusal is remembered for claims.negativeTtlSeconds (fault-injection.test.ts);
  // with 0 it is not, and every error reaches the caller as the client threw it.
  for (const code of ['claims_rejected', 'claims_unavailable'] as const) {
    test(`userinfo errors (${code}) pass through unchanged and are not cached`, async () => {
      const failure = new SidecarError(code, 'refused');
      const { client, calls } = fakeUserinfo(failure);
      const enrich = enricher({ userinfo: client, negativeTtlSeconds: 0 });
      await assert.rejects(enrich(TOKEN, verified()), (err) => err === failure);
      await assert.rejects(enrich(TOKEN, verified()), (err) => err === failure);
      assert.equal(calls.length, 2);
    });
  }
});

describe('cached verifications', () => {
  /** What the verified-token cache hands every request with `token` (src/token/verified-token-cache.ts). */
  const cachedVerification = (token: string, v: VerifiedToken) => cacheVerifiedTokens(async () => v, { ttlSeconds: 3600, maxEntries: 10, now: () => START_MS })(token);

  test('a refusal is remembered under the token hash the verification cache keyed it by: that token is refused, another is asked', async () => {
    const { client, calls } = fakeUserinfo(new SidecarError('claims_rejected', 'the IdP refused the token'));
    const enrich = enricher({ userinfo: client, negativeTtlSeconds: 10 });
    const v = await cachedVerification(TOKEN, verified());
    await rejectsWith(enrich(TOKEN, v), 'claims_rejected', 401);
    await assert.rejects(enrich(TOKEN, v), /remembered refusal/);
    await assert.rejects(enrich(TOKEN, verified()), /remembered refusal/, 'the same token, not verified through the cache, is refused alike');
    assert.equal(calls.length, 1);
    await rejectsWith(enrich('another.token.string', await cachedVerification('another.token.string', verified({ jti: 'x' }))), 'claims_rejected', 401);
    assert.equal(calls.length, 2);
  });

  test("an answer keeps the token's own sub string and one shared empty list, and means the same", async () => {
    const id = randomUUID();
    const { client } = fakeUserinfo(() => JSON.parse(`{"sub":"user-${id}","roles":["r"],"groups":[],"tags":[]}`) as Record<string, unknown>);
    const enrich = enricher({ userinfo: client });
    const v = await cachedVerification(TOKEN, JSON.parse(`{"payload":{"iss":"${ISSUER}","sub":"user-${id}","exp":${START_MS / 1000 + 3600}},"header":{"alg":"RS256"}}`) as VerifiedToken);
    const out = await enrich(TOKEN, v);
    assert.equal(await countHeapStrings((s) => s === `user-${id}`), 1, 'one sub string for the token and its answer');
    assert.equal(out.subject['groups'], out.subject['tags']);
    assert.ok(Object.isFrozen(out.subject['groups']));
    assert.equal(JSON.stringify(out.subject), `{"roles":["r"],"groups":[],"tags":[],"iss":"${ISSUER}","sub":"user-${id}","exp":${START_MS / 1000 + 3600},"kind":"user"}`);
  });
  test('with a narrowing, a cached verification keeps one subject, the narrowed one (regression: a merged subject and a narrowed copy were both kept)', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['keep', 'drop'] });
    const enrich = enricher({ userinfo: client, cacheTtlSeconds: 60 });
    const narrowed: string[] = [];
    const narrowing = (id: number): Narrowing => ({
      id,
      narrow: (s) => (narrowed.push(`n${id}`), { ...s, roles: s.roles.filter((r) => r === 'keep') }),
    });
    const first = narrowing(1);
    const v = await cachedVerification(TOKEN, verified());
    const a = await enrich(TOKEN, v, first);
    assert.deepEqual(a.subject.roles, ['keep']);
    assert.equal(a.held, 2, 'the roles held before narrowing, for the decision log');
    assert.equal(verificationMemoOf(v)!.subject, a.subject, 'the memo keeps the narrowed subject, and nothing else of it');
    assert.ok(Object.isFrozen(a.subject));
    const b = await enrich(TOKEN, v, first);
    assert.equal(b.subject, a.subject, 'the same answer, the same narrowing: the same subject');
    assert.equal(b.held, 2);
    assert.deepEqual(narrowed, ['n1']);
    const c = await enrich(TOKEN, v, narrowing(2));
    assert.notEqual(c.subject, a.subject, 'another bundle narrows again');
    assert.equal(verificationMemoOf(v)!.subject, c.subject, 'and the memo keeps only its latest narrowing');
    assert.deepEqual(narrowed, ['n1', 'n2']);
    const d = await enrich(TOKEN, v);
    assert.deepEqual(d.subject.roles, ['keep', 'drop'], 'without a narrowing, the merged subject');
    assert.equal(d.held, undefined);
    enrich.advance(61_000);
    const e = await enrich(TOKEN, v, first);
    assert.equal(calls.length, 2, 'the claims expired and were fetched again');
    assert.notEqual(e.subject, a.subject, 'a refreshed answer builds the subject again');
    assert.deepEqual(e.subject.roles, ['keep']);
  });

  test('a token-only subject of a cached verification is narrowed once per narrowing', async () => {
    const { client } = fakeUserinfo({ sub: 'alice' });
    const enrich = enricher({ userinfo: client });
    const n: Narrowing = { id: 7, narrow: (s) => ({ ...s, roles: [] }) };
    const v = await cachedVerification(TOKEN, verified({ roles: ['a', 'b'] }));
    const a = await enrich(TOKEN, v, n);
    assert.deepEqual([a.subject.roles, a.held, a.source], [[], 2, 'token']);
    assert.equal((await enrich(TOKEN, v, n)).subject, a.subject);
    assert.deepEqual((await enrich(TOKEN, v)).subject.roles, ['a', 'b']);
  });
});

describe('cache lifetime', () => {
  test('a token expiring in 2 s is cached for at most 2 s even with ttl 300', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['r'] });
    const enrich = enricher({ userinfo: client, cacheTtlSeconds: 300 });
    const token = verified({ exp: START_MS / 1000 + 2 });
    assert.equal((await enrich(TOKEN, token)).cache, 'miss');
    enrich.advance(1999);
    assert.equal((await enrich(TOKEN, token)).cache, 'hit');
    enrich.advance(1);
    assert.equal((await enrich(TOKEN, token)).cache, 'uncached', 'at exp the entry is gone, and a token expiring now is not cached');
    assert.equal(calls.length, 2);
  });

  test('a token expiring late is cached for cacheTtlSeconds', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice' });
    const enrich = enricher({ userinfo: client, cacheTtlSeconds: 300 });
    const token = verified({ exp: START_MS / 1000 + 86400 });
    await enrich(TOKEN, token);
    enrich.advance(299_999);
    assert.equal((await enrich(TOKEN, token)).cache, 'hit');
    enrich.advance(1);
    assert.equal((await enrich(TOKEN, token)).cache, 'miss');
    assert.equal(calls.length, 2);
  });

  test('a token already past exp (within the clock tolerance) is not cached', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice' });
    const enrich = enricher({ userinfo: client });
    const token = verified({ exp: START_MS / 1000 - 10 });
    assert.equal((await enrich(TOKEN, token)).cache, 'uncached');
    assert.equal((await enrich(TOKEN, token)).cache, 'uncached');
    assert.equal(calls.length, 2);
  });

  test('claims of a token expiring in under a second are cached until exp, then dropped', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['r'] });
    const enrich = enricher({ userinfo: client, cacheTtlSeconds: 300 });
    const token = verified({ exp: START_MS / 1000 + 1 });
    enrich.advance(900); // exp is 100 ms away: a TTL of 0.1 s must not round to "do not cache"
    assert.equal((await enrich(TOKEN, token)).cache, 'miss');
    assert.equal((await enrich(TOKEN, token)).cache, 'hit');
    enrich.advance(150);
    assert.equal((await enrich(TOKEN, token)).cache, 'uncached');
    assert.equal(calls.length, 2);
  });

  test('cacheTtlSeconds 0 asks userinfo every time', async () => {
    const { client, calls } = fakeUserinfo({ sub: 'alice', roles: ['r'] });
    const enrich = enricher({ userinfo: client, cacheTtlSeconds: 0 });
    assert.equal((await enrich(TOKEN, verified())).cache, 'uncached');
    assert.equal((await enrich(TOKEN, verified())).cache, 'uncached');
    assert.equal(calls.length, 2);
  });
});
