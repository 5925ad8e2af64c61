import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { faults, type Behaviour } from '../helpers/fault-idp.ts';
import { claimsSetup, type ClaimsSetup as Setup } from '../helpers/claims-setup.ts';
import { closeDoors, EXT_AUTHZ_DOORS, FRONT_DOORS, type FrontDoor } from '../helpers/front-doors.ts';
import type { TestSidecar } from '../helpers/test-sidecar.ts';

/** One check through a front door, answered as `POST /authorize` answers (status, and a body with allow, code and decision_id). */
async function decide(door: FrontDoor, sc: TestSidecar, token: string): Promise<{ status: number; body: { allow?: boolean; code?: string; decision_id?: string } }> {
  const a = await door.send(sc, { method: del.method, target: del.path, headers: [['Authorization', `Bearer ${token}`]] });
  const status = a.allowed || a.status === 403 ? 200 : a.status;
  return { status, body: { ...(status === 200 ? { allow: a.allowed } : {}), ...(a.code ? { code: a.code } : {}), ...(a.decisionId ? { decision_id: a.decisionId } : {}) } };
}

const del = { method: 'DELETE', path: '/api/orders/1' };
interface FaultCase {
  readonly name: string;
  readonly behaviour: Behaviour;
  /** The answer for a subject without cached claims. */
  readonly status: number;
  readonly code: string;
  /** Whether cached claims are served while the IdP fails this way (refusals are not failures). */
  readonly servesStale: boolean;
}

const CASES: readonly FaultCase[] = [
  { name: 'slower than the timeout', behaviour: faults.slow(2000), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: '500', behaviour: faults.status(500), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: '502', behaviour: faults.status(502), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: '503', behaviour: faults.status(503, '{"error":"down"}', 'application/json'), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: 'a 3xx redirect', behaviour: faults.redirect(), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: '200 with HTML', behaviour: faults.html(), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: 'truncated JSON', behaviour: faults.truncated(), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: 'malformed JSON', behaviour: faults.malformed(), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: 'a huge body', behaviour: faults.huge(200_000), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: 'a connection reset', behaviour: faults.reset(), status: 503, code: 'claims_unavailable', servesStale: true },
  { name: 'a sub mismatch', behaviour: faults.subMismatch(), status: 401, code: 'subject_mismatch', servesStale: false },
  { name: '401 from userinfo', behaviour: faults.unauthorized(), status: 401, code: 'claims_rejected', servesStale: false },
];

// One sidecar and test clock per door: each case moves the clock two minutes, and a matrix that
// ran every door on one clock would outlive the tokens' hour.
for (const door of FRONT_DOORS)
describe(`IdP faults at userinfo (real HTTP server standing in for the IdP), through ${door.name}`, () => {
  let s: Setup;
  before(async () => {
    // A high threshold keeps the breaker out of this matrix; it has its own tests below.
    s = await claimsSetup({ 'claims.breaker.failureThreshold': 1000, ...EXT_AUTHZ_DOORS });
  });
  after(async () => {
    closeDoors(s.sc);
    await s.close();
  });

  for (const [i, c] of CASES.entries()) {
    it(`[${door.name}] ${c.name}: uncached → ${c.status} ${c.code}; cached → ${c.servesStale ? 'stale inside the window only' : 'refused, never stale'}`, async () => {
      const { idp } = s;
      const sc = { authorize: (token: string, _body: unknown) => decide(door, s.sc, token) };
      const cached = `cached-${i}`;
      const uncached = `uncached-${i}`;
      for (const sub of [cached, uncached]) idp.users.set(sub, { roles: ['admin'] });
      const cachedToken = await idp.token({ sub: cached });
      const uncachedToken = await idp.token({ sub: uncached });

      idp.userinfo = undefined;
      const primed = await sc.authorize(cachedToken, del);
      assert.equal(primed.body.allow, true);
      s.advance(61); // past the 60 s TTL, inside the 60 s stale window
      idp.userinfo = c.behaviour;
      try {
        const denied = await sc.authorize(uncachedToken, del);
        assert.equal(denied.status, c.status);
        assert.equal(denied.body.code, c.code);
        assert.notEqual(denied.body.allow, true);
        const deniedLine = await s.logged(denied.body.decision_id!);
        assert.equal(deniedLine.result.allow, false);
        assert.equal(deniedLine.error.code, c.code);

        const inWindow = await sc.authorize(cachedToken, del);
        if (c.servesStale) {
          assert.equal(inWindow.status, 200);
          assert.equal(inWindow.body.allow, true);
          const line = await s.logged(inWindow.body.decision_id!);
          assert.equal(line.claims.cache, 'stale');
          assert.match(line.claims.stale_reason, /^userinfo: /);
        } else {
          assert.equal(inWindow.status, c.status);
          assert.equal(inWindow.body.code, c.code);
        }

        s.advance(60); // now past the stale window as well
        const late = await sc.authorize(cachedToken, del);
        assert.equal(late.status, c.status);
        assert.equal(late.body.code, c.code);
        assert.notEqual(late.body.allow, true);
      } finally {
        idp.userinfo = undefined;
      }
      assert.equal((await fetch(`${s.sc.url}/health`)).status, 200, 'still running');
    });
  }
});

describe('single flight', () => {
  it('concurrent misses for one subject make exactly one userinfo call (counted at the server), also when it fails', async () => {
    const s = await claimsSetup({ 'claims.userinfo.headersTimeoutMs': 5000 });
    try {
      s.idp.users.set('alice', { roles: ['admin'] });
      // The IdP holds its answer so that all 20 requests are waiting on the one call.
      s.idp.userinfo = faults.slow(300);
      const token = await s.idp.token({ sub: 'alice' });
      const answers = await Promise.all(Array.from({ length: 20 }, () => s.sc.authorize(token, del)));
      assert.ok(answers.every((r) => r.body.allow === true));
      assert.equal(s.idp.calls.userinfo.get('alice'), 1);

      s.idp.userinfo = faults.after(300, faults.status(503));
      const bob = await s.idp.token({ sub: 'bob' });
      const failed = await Promise.all(Array.from({ length: 20 }, () => s.sc.authorize(bob, del)));
      assert.ok(failed.every((r) => r.status === 503 && r.body.allow === undefined));
      assert.equal(s.idp.calls.userinfo.get('bob'), 1);
    } finally {
      await s.close();
    }
  });
});

describe('circuit breaker at the sidecar', () => {
  it('stops calling a failing IdP, serves stale to cached subjects, denies the others, and closes after a good probe', async () => {
    // Generous timeouts: the probe is held 100 ms by the IdP and must not time out on a loaded machine.
    const s = await claimsSetup({
      'claims.breaker.failureThreshold': 3,
      'claims.breaker.coolOffMs': 5000,
      'claims.userinfo.headersTimeoutMs': 3000,
      'claims.userinfo.bodyTimeoutMs': 3000,
      'claims.userinfo.connectTimeoutMs': 3000,
    });
    const { idp, sc } = s;
    try {
      const token = async (sub: string) => (idp.users.set(sub, { roles: ['admin'] }), idp.token({ sub }));
      const cached = await token('cached');
      assert.equal((await sc.authorize(cached, del)).body.allow, true);
      s.advance(61);

      idp.userinfo = faults.status(503);
      for (const sub of ['u1', 'u2', 'u3']) assert.equal((await sc.authorize(await token(sub), del)).status, 503);
      assert.equal(idp.total('userinfo'), 4);
      assert.equal((await s.admin()).breakers.userinfo.state, 'open');

      const fast = await sc.authorize(await token('u4'), del);
      assert.equal(fast.status, 503);
      assert.match((await s.logged(fast.body.decision_id)).error.message, /circuit open/);
      assert.equal(idp.total('userinfo'), 4, 'an open circuit does not call the IdP');
      const stale = await sc.authorize(cached, del);
      assert.equal(stale.body.allow, true);
      assert.match((await s.logged(stale.body.decision_id)).claims.stale_reason, /circuit open/);
      assert.equal(idp.total('userinfo'), 4);

      s.advance(5);
      idp.userinfo = faults.slow(100);
      const tokens = await Promise.all(['p1', 'p2', 'p3', 'p4', 'p5'].map(token));
      const probes = await Promise.all(tokens.map((t) => sc.authorize(t, del)));
      assert.equal(idp.total('userinfo'), 5, 'half-open lets exactly one probe through');
      assert.equal(probes.filter((r) => r.body.allow === true).length, 1);
      assert.equal(probes.filter((r) => r.status === 503).length, 4);
      assert.equal((await s.admin()).breakers.userinfo.state, 'closed');
      idp.userinfo = undefined;
      assert.equal((await sc.authorize(tokens[1]!, del)).body.allow, true);
      assert.equal(idp.total('userinfo'), 6);
    } finally {
      await s.close();
    }
  });
});

describe('remembered refusals', () => {
  it('a token refused at userinfo (401) is refused again without calling the IdP until claims.negativeTtlSeconds pass', async () => {
    const s = await claimsSetup({ 'claims.negativeTtlSeconds': 10 });
    try {
      s.idp.userinfo = faults.unauthorized();
      const token = await s.idp.token({ sub: 'revoked' });
      assert.equal((await s.sc.authorize(token, del)).body.code, 'claims_rejected');
      const again = await s.sc.authorize(token, del);
      assert.equal(again.status, 401);
      assert.equal(again.body.code, 'claims_rejected');
      assert.equal(s.idp.calls.userinfo.get('revoked'), 1);
      const other = await s.idp.token({ sub: 'revoked', jti: 'new-login' });
      await s.sc.authorize(other, del);
      assert.equal(s.idp.calls.userinfo.get('revoked'), 2, 'the refusal is about that token, not the subject');
      s.advance(10);
      await s.sc.authorize(token, del);
      assert.equal(s.idp.calls.userinfo.get('revoked'), 3);
    } finally {
      await s.close();
    }
  });
});

describe('a flood of distinct subjects', () => {
  it('keeps the cache at claims.cacheMaxEntries, evicting the least recently used, and counts the evictions', async () => {
    const s = await claimsSetup({ 'claims.cacheMaxEntries': 20 });
    try {
      const first = await s.idp.token({ sub: 'flood-0' });
      for (let i = 0; i < 60; i++) await s.sc.authorize(i === 0 ? first : await s.idp.token({ sub: `flood-${i}` }), del);
      const { cache } = await s.admin();
      assert.equal(cache.entries, 20);
      assert.equal(cache.evictedForSpace, 40);
      await s.sc.authorize(first, del);
      assert.equal(s.idp.calls.userinfo.get('flood-0'), 2, 'the oldest subject was evicted and is fetched again');
    } finally {
      await s.close();
    }
  });
});
