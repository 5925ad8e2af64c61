import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { faults, startFaultIdp, TEST_AUDIENCE, TEST_CLIENT_ID, type FaultIdp } from '../../helpers/fault-idp.ts';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../../src/claims/verify-logout-token.ts';
import { startTestSidecar, type TestSidecar } from '../../helpers/test-sidecar.ts';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis-server.ts';
import { claimsCacheKey, subjectId } from '../../../src/claims/claims-cache.ts';
import { tokenKey } from '../../../src/lib/token-key.ts';
import { redisKeys } from '../../../src/claims/shared/redis-keys.ts';
import { deriveSealKeys, sealEntry } from '../../../src/claims/shared/seal-entry.ts';

const del = { method: 'DELETE', path: '/api/orders/1' };
const FLEET_KEY = randomBytes(32).toString('base64');
const PREFIX = 'authz:claims:';

describe('the shared claims tier on a real redis-server', { skip: skipWithoutRedis }, () => {
  let idp: FaultIdp;
  let redis: TestRedis;
  const started: TestSidecar[] = [];
  const replica = async (over: Record<string, unknown> = {}): Promise<TestSidecar> => {
    const sc = await startTestSidecar(idp.issuer, { audience: [TEST_AUDIENCE], 'claims.shared.url': redis.url, 'claims.shared.key': FLEET_KEY, ...over });
    started.push(sc);
    return sc;
  };
  const plugin = (sc: TestSidecar): any => (sc.sidecar.current.status() as any).plugins.claims_shared;
  const counts = (sc: TestSidecar): Record<string, number> => sc.sidecar.current.claimsShared!.counts;
  const until = async (what: string, ok: () => boolean, ms = 5000): Promise<void> => {
    for (const t0 = Date.now(); !ok(); await sleep(10)) if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
  };
  const whereIs = (token: string): { hash: string; field: string } => {
    const payload = decodeJwt(token) as Record<string, unknown>;
    return { hash: redisKeys(PREFIX).subject(subjectId(payload['iss'] as string, payload['sub'] as string)), field: `userinfo:${claimsCacheKey(payload)}` };
  };

  before(async () => {
    idp = await startFaultIdp();
    idp.users.set('alice', { roles: ['admin'] });
    redis = await startTestRedis();
  });
  after(async () => {
    for (const sc of started) await sc.stop();
    await redis?.stop();
    await idp?.stop();
  });

  it('is off without claims.shared.url: no claims_shared component, nothing written to Redis', async () => {
    const sc = await startTestSidecar(idp.issuer, { audience: [TEST_AUDIENCE] });
    started.push(sc);
    const token = await idp.token({ sub: 'off-user' });
    assert.equal((await sc.authorize(token, del)).body.allow, false);
    assert.equal((sc.sidecar.current.status() as any).plugins.claims_shared, undefined);
    assert.equal(sc.sidecar.current.claimsShared, undefined);
    assert.deepEqual(await redis.admin.keys('*'), []);
  });

  it('a miss in both tiers calls the IdP once and fills both; another replica is answered by the shared tier', async () => {
    const a = await replica();
    const b = await replica();
    await until('both replicas connected', () => plugin(a).state === 'OK' && plugin(b).state === 'OK');
    const token = await idp.token({ sub: 'alice' });
    const first = await a.authorize(token, del);
    assert.equal(first.body.allow, true);
    assert.equal(idp.calls.userinfo.get('alice'), 1);
    // The write is off the request path: wait for it.
    const { hash, field } = whereIs(token);
    for (let i = 0; i < 100 && (await redis.admin.hget(hash, field)) === null; i++) await sleep(10);
    const raw = await redis.admin.hget(hash, field);
    assert.ok(raw, 'the entry is in Redis');
    assert.ok(!raw.includes('admin') && !raw.includes('alice'), 'the entry is encrypted: no role or subject in clear');
    const second = await b.authorize(token, del);
    assert.equal(second.body.allow, true);
    assert.equal(idp.calls.userinfo.get('alice'), 1, 'the second replica did not call the IdP');
    assert.equal((await b.decision(second.body.decision_id)).claims.cache, 'shared');
    assert.equal(counts(b).hit, 1);
    const ttl = await redis.admin.pttl(hash);
    assert.ok(ttl > 0, 'the subject key expires');
  });

  it("a subject known only by its sub (an AuthZEN subject asserted by an enforcement point) is found in another replica's entry", async () => {
    const a = await replica();
    const b = await replica();
    await until('connected', () => plugin(a).state === 'OK' && plugin(b).state === 'OK');
    idp.users.set('peeked', { roles: ['admin'] });
    assert.equal(await b.sidecar.current.identity.subjectClaims('peeked'), undefined, 'nobody has fetched it yet');
    await a.authorize(await idp.token({ sub: 'peeked' }), del);
    let found = await b.sidecar.current.identity.subjectClaims('peeked');
    for (let i = 0; i < 100 && found === undefined; i++) {
      await sleep(10);
      found = await b.sidecar.current.identity.subjectClaims('peeked');
    }
    assert.deepEqual(found?.subject.roles, ['admin']);
    assert.equal(found?.cache, 'shared');
  });

  it("shares the IdP's refusal of a token (401) for claims.negativeTtlSeconds: another replica refuses without asking", async () => {
    const a = await replica();
    const b = await replica();
    await until('connected', () => plugin(a).state === 'OK' && plugin(b).state === 'OK');
    const token = await idp.token({ sub: 'refused-user' });
    idp.userinfo = faults.status(401, '{"error":"invalid_token"}', 'application/json');
    try {
      const first = await a.authorize(token, del);
      assert.equal(first.status, 401);
      assert.equal(first.body.code, 'claims_rejected');
      const calls = idp.calls.userinfo.get('refused-user');
      const refusalKey = redisKeys(PREFIX).refusal(`refused:userinfo:${tokenKey(token)}`);
      for (let i = 0; i < 100 && (await redis.admin.exists(refusalKey)) === 0; i++) await sleep(10);
      assert.equal(await redis.admin.exists(refusalKey), 1, 'the refusal is in Redis, under a hash of the token');
      const second = await b.authorize(token, del);
      assert.equal(second.status, 401);
      assert.equal(second.body.code, 'claims_rejected');
      assert.equal(counts(b).refusal, 1, 'the refusal came from the shared tier');
      assert.equal(idp.calls.userinfo.get('refused-user'), calls, 'no call from the second replica once the refusal was shared');
    } finally {
      idp.userinfo = undefined;
    }
  });

  it('serves a shared entry past its TTL only while the IdP fails, inside the stale window ("cache":"stale")', async () => {
    const over = { 'claims.cacheTtlSeconds': 1, 'claims.staleIfErrorSeconds': 60 };
    const a = await replica(over);
    const b = await replica(over);
    await until('connected', () => plugin(a).state === 'OK' && plugin(b).state === 'OK');
    idp.users.set('stale-user', { roles: ['admin'] });
    const token = await idp.token({ sub: 'stale-user' });
    assert.equal((await a.authorize(token, del)).body.allow, true);
    const { hash, field } = whereIs(token);
    for (let i = 0; i < 100 && (await redis.admin.hget(hash, field)) === null; i++) await sleep(10);
    await sleep(1100); // past the 1 s TTL
    idp.userinfo = faults.status(500);
    try {
      const res = await b.authorize(token, del);
      assert.equal(res.body.allow, true);
      const line = await b.decision(res.body.decision_id);
      assert.equal(line.claims.cache, 'stale');
      assert.match(line.claims.stale_reason, /userinfo/);
    } finally {
      idp.userinfo = undefined;
    }
    const fresh = await b.authorize(token, del);
    assert.equal((await b.decision(fresh.body.decision_id)).claims.cache, 'miss', 'with the IdP back, a fresh answer, not the stale entry');
  });

  it('an entry rewritten without the fleet key (roles set to admin, or moved from another subject) is never served, is counted and turns the status WARN', async () => {
    const writer = await replica();
    const reader = await replica();
    await until('connected', () => plugin(writer).state === 'OK' && plugin(reader).state === 'OK');
    const mallory = await idp.token({ sub: 'mallory' });
    assert.equal((await writer.authorize(mallory, del)).body.allow, false);
    const m = whereIs(mallory);
    for (let i = 0; i < 100 && (await redis.admin.hget(m.hash, m.field)) === null; i++) await sleep(10);
    const calls = (): number => idp.calls.userinfo.get('mallory') ?? 0;
    const before = calls();

    // 1. Sealed with another key, claiming admin.
    const forgedKeys = deriveSealKeys(randomBytes(32));
    const now = Date.now();
    const forged = sealEntry(forgedKeys, `${m.hash}|${m.field}`, { freshUntil: now + 60_000, staleUntil: now + 120_000, payload: { claims: { sub: 'mallory', roles: ['admin'] }, roles: ['admin'], bytes: 100 } });
    await redis.admin.hset(m.hash, m.field, forged);
    const r1 = await reader.authorize(mallory, del);
    assert.equal(r1.body.allow, false, 'a forged admin entry is not served');
    assert.equal(counts(reader).forged, 1);
    assert.equal(calls(), before + 1, 'the forged entry is a miss: the IdP was asked');
    assert.equal(plugin(reader).state, 'WARN');
    assert.match(plugin(reader).message, /did not authenticate/);

    // 2. Alice's authentic entry copied under mallory's key (the MAC binds it to alice's key).
    const aliceToken = await idp.token({ sub: 'alice' });
    await writer.authorize(aliceToken, del);
    const a = whereIs(aliceToken);
    for (let i = 0; i < 100 && (await redis.admin.hget(a.hash, a.field)) === null; i++) await sleep(10);
    const third = await replica();
    await until('connected', () => plugin(third).state === 'OK');
    await redis.admin.hset(m.hash, m.field, (await redis.admin.hget(a.hash, a.field))!);
    assert.equal((await third.authorize(mallory, del)).body.allow, false, "alice's entry moved under mallory is not served");
    assert.equal(counts(third).forged, 1);

    // 3. One bit flipped in the ciphertext of an authentic entry.
    const fourth = await replica();
    await until('connected', () => plugin(fourth).state === 'OK');
    const authentic = (await redis.admin.hget(a.hash, a.field))!;
    const parts = authentic.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[4] = ct.toString('base64url');
    await redis.admin.hset(a.hash, a.field, parts.join('.'));
    const r3 = await fourth.authorize(aliceToken, del);
    assert.equal(r3.body.allow, true, 'alice is still allowed: from the IdP, not the altered entry');
    assert.equal(counts(fourth).forged, 1);
    assert.notEqual((await fourth.decision(r3.body.decision_id)).claims.cache, 'shared');
  });

  it('a subject key of the wrong type (written by someone else) is a miss: decided from the IdP, counted as a Redis error', async () => {
    const a = await replica();
    await until('connected', () => plugin(a).state === 'OK');
    idp.users.set('wrong-type', { roles: ['admin'] });
    const token = await idp.token({ sub: 'wrong-type' });
    await redis.admin.set(whereIs(token).hash, 'not a hash');
    const before = { ...counts(a) };
    const r = await a.authorize(token, del);
    assert.equal(r.body.allow, true, 'decided from the IdP');
    assert.equal(idp.calls.userinfo.get('wrong-type'), 1);
    assert.equal((await a.decision(r.body.decision_id)).claims.cache, 'miss');
    assert.equal(counts(a).hit + counts(a).stale, before.hit! + before.stale!, 'nothing served from the key');
    await until('the unusable read counted', () => counts(a).error > before.error!);
  });

  it('the read survives a SCRIPT FLUSH (Redis restarted or failed over to a node without the script): it is sent again', async () => {
    const a = await replica();
    const b = await replica();
    await until('connected', () => plugin(a).state === 'OK' && plugin(b).state === 'OK');
    const first = await idp.token({ sub: 'alice' });
    const second = await idp.token({ sub: 'script-flushed' });
    idp.users.set('script-flushed', { roles: ['admin'] });
    for (const t of [first, second]) {
      await a.authorize(t, del);
      const { hash, field } = whereIs(t);
      for (let i = 0; i < 100 && (await redis.admin.hget(hash, field)) === null; i++) await sleep(10);
    }
    const r1 = await b.authorize(first, del);
    assert.equal((await b.decision(r1.body.decision_id)).claims.cache, 'shared');
    await redis.admin.script('FLUSH');
    const errorsBefore = counts(b).error;
    const r2 = await b.authorize(second, del);
    assert.equal(r2.body.allow, true);
    assert.equal((await b.decision(r2.body.decision_id)).claims.cache, 'shared', 'a shared hit after the flush');
    assert.equal(counts(b).error, errorsBefore);
  });

  it('an eviction on one replica removes the subject from Redis and from every replica within 1 s', async () => {
    const replicas = [await replica(), await replica(), await replica()];
    await until('connected', () => replicas.every((r) => plugin(r).state === 'OK'));
    const token = await idp.token({ sub: 'evicted-user' });
    for (const r of replicas) await r.authorize(token, del);
    const evictedBefore = replicas.map((r) => r.sidecar.current.identity.admin.status().cache.evictedBySubject);
    const { hash } = whereIs(token);
    const t0 = Date.now();
    replicas[0]!.sidecar.current.claimsAdmin.evict(idp.issuer, 'evicted-user');
    await until(
      'every replica dropped the subject',
      () => replicas.every((r, i) => r.sidecar.current.identity.admin.status().cache.evictedBySubject > evictedBefore[i]!),
      1000,
    );
    const elapsed = Date.now() - t0;
    console.log(`# fleet eviction visible on 3 replicas after ${elapsed} ms`);
    assert.equal(await redis.admin.exists(hash), 0, 'gone from Redis');
    const calls = idp.calls.userinfo.get('evicted-user')!;
    await replicas[2]!.authorize(token, del);
    assert.equal(idp.calls.userinfo.get('evicted-user'), calls + 1, 'the next request asks the IdP again');
  });

  it('a back-channel logout naming only sid, received by a replica that never saw the session, evicts it everywhere', async () => {
    const logout = { 'claims.clientId': TEST_CLIENT_ID, 'claims.backchannelLogout.path': '/backchannel-logout' };
    const a = await replica(logout);
    const b = await replica(logout);
    await until('connected', () => plugin(a).state === 'OK' && plugin(b).state === 'OK');
    const token = await idp.token({ sub: 'sid-user', sid: 'session-fleet-1' });
    await a.authorize(token, del); // only replica a sees the session
    const evictedBefore = a.sidecar.current.identity.admin.status().cache.evictedBySubject;
    const logoutToken = await idp.sign({ aud: TEST_CLIENT_ID, jti: randomBytes(8).toString('hex'), exp: Math.floor(Date.now() / 1000) + 120, sid: 'session-fleet-1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } }, { typ: 'logout+jwt' });
    for (let i = 0; i < 100 && (await redis.admin.keys(`${PREFIX}sid:*`)).length === 0; i++) await sleep(10);
    const res = await fetch(`${b.url}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: logoutToken }).toString() });
    assert.equal(res.status, 200);
    await until('replica a dropped the subject', () => a.sidecar.current.identity.admin.status().cache.evictedBySubject > evictedBefore);
  });

  it('Redis killed, paused (SIGSTOP), flushed, rewritten and restarted while requests flow: zero wrong allows, zero wrong denies', async () => {
    // One local entry, so nearly every request goes down to the shared tier (and, while Redis is down, to the
    // IdP: the per-subject IdP budget, tested in test/claims/idp-budget.test.ts, is off so that only Redis is varied).
    const sc = await replica({ 'claims.cacheMaxEntries': 1, 'claims.budget.perSubjectPerMinute': 0 });
    await until('connected', () => plugin(sc).state === 'OK');
    const subjects = Array.from({ length: 6 }, (_, i) => `flow-${i}`);
    for (const s of subjects.filter((_, i) => i % 2 === 0)) idp.users.set(s, { roles: ['admin'] });
    const tokens = await Promise.all(subjects.map((sub) => idp.token({ sub })));
    const expected = subjects.map((_, i) => i % 2 === 0);
    const wrong: string[] = [];
    let answered = 0;
    let running = true;
    const flow = (async () => {
      for (let n = 0; running; n++) {
        const i = n % subjects.length;
        const res = await sc.authorize(tokens[i]!, del);
        answered++;
        if (res.status !== 200 && res.status !== 403) wrong.push(`${subjects[i]}: ${res.status} ${JSON.stringify(res.body)}`);
        else if (res.body.allow !== expected[i]) wrong.push(`${subjects[i]}: allow=${res.body.allow}, expected ${expected[i]}`);
      }
    })();
    const phase = async (name: string, act: () => Promise<void> | void, ms = 300): Promise<void> => {
      const n = answered;
      await act();
      await sleep(ms);
      assert.ok(answered > n, `requests were answered during: ${name}`);
    };
    await phase('normal', () => undefined);
    await phase('kill', () => redis.kill());
    await until('WARN while Redis is down', () => plugin(sc).state === 'WARN');
    await phase('restart', () => redis.restart(), 500);
    await until('OK after the restart (reconnected by itself)', () => plugin(sc).state === 'OK', 10_000);
    await phase('flushall', async () => void (await redis.admin.flushall()));
    await phase('rewrite every entry to admin without the key', async () => {
      const keys = deriveSealKeys(randomBytes(32));
      for (const hash of await redis.admin.keys(`${PREFIX}s:*`)) {
        for (const field of Object.keys(await redis.admin.hgetall(hash))) {
          const t = Date.now();
          await redis.admin.hset(hash, field, sealEntry(keys, `${hash}|${field}`, { freshUntil: t + 60_000, staleUntil: t + 60_000, payload: { claims: { roles: ['admin'] }, roles: ['admin'], bytes: 1 } }));
        }
      }
    });
    await phase('pause (SIGSTOP)', () => redis.pause(), 500);
    await until('WARN while Redis answers nothing', () => plugin(sc).state === 'WARN');
    await phase('resume', () => redis.resume(), 300);
    running = false;
    await flow;
    assert.deepEqual(wrong, [], 'every answer is the one the sidecar gives without Redis');
    const c = counts(sc);
    assert.ok(c.timeout > 0, 'reads past the budget were counted');
    assert.ok(c.error > 0 || c.breaker_open > 0, 'failures while Redis was down were counted');
    assert.ok(c.forged > 0, 'the rewritten entries were refused and counted');
    console.log(`# ${answered} decisions through kill/restart/flush/rewrite/pause; outcomes ${JSON.stringify(c)}`);
    await until('OK again once Redis answers', () => plugin(sc).state === 'OK' || /did not authenticate/.test(plugin(sc).message ?? ''), 10_000);
  });
});
