import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startFaultIdp, TEST_AUDIENCE, type FaultIdp } from '../../helpers/fault-idp.ts';
import { startTestSidecar, type TestSidecar } from '../../helpers/test-sidecar.ts';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../../helpers/redis-server.ts';

const get = { method: 'GET', path: '/api/orders/1' };
const USERS = 100;
const REPLICAS = 4;

/**
 * The "must show" on IdP calls, as counts (never timings): U users each asking all 4 replicas within
 * one TTL cost the IdP about 4 × U userinfo calls with every sidecar on its own, and at most 1.05 × U with
 * the shared tier. The full-size run (10,000 users, real processes) is `npm run fleet` (docs/fleet.md).
 */
describe('IdP calls of a fleet of 4 replicas', { skip: skipWithoutRedis }, () => {
  let idp: FaultIdp;
  let redis: TestRedis;
  const started: TestSidecar[] = [];
  before(async () => {
    idp = await startFaultIdp();
    redis = await startTestRedis();
  });
  after(async () => {
    for (const sc of started) await sc.stop();
    await redis?.stop();
    await idp?.stop();
  });

  const run = async (prefix: string, over: Record<string, unknown>): Promise<{ calls: number; wrong: number }> => {
    const fleet: TestSidecar[] = [];
    for (let i = 0; i < REPLICAS; i++) fleet.push(await startTestSidecar(idp.issuer, { audience: [TEST_AUDIENCE], ...over }));
    started.push(...fleet);
    for (const sc of fleet) {
      for (let i = 0; i < 200 && over['claims.shared.url'] && (sc.sidecar.current.status() as any).plugins.claims_shared.state !== 'OK'; i++) await new Promise((r) => setTimeout(r, 10));
    }
    const users = Array.from({ length: USERS }, (_, u) => `${prefix}-${u}`);
    for (const u of users) idp.users.set(u, { roles: ['orders-viewer'] });
    const tokens = await Promise.all(users.map((sub) => idp.token({ sub })));
    const before = idp.total('userinfo');
    let wrong = 0;
    // Each user on replica u mod 4 first, then on the other three: 4 requests per user, 4 in flight.
    const plan: [number, number][] = [];
    for (let k = 0; k < REPLICAS; k++) for (let u = 0; u < USERS; u++) plan.push([u, (u + k) % REPLICAS]);
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < plan.length) {
          const [u, r] = plan[next++]!;
          const res = await fleet[r]!.authorize(tokens[u]!, get);
          if (res.status !== 200 || res.body.allow !== true) wrong++;
        }
      }),
    );
    return { calls: idp.total('userinfo') - before, wrong };
  };

  it('alone: about 4 × U calls; with the shared tier: at most 1.05 × U', { timeout: 120_000 }, async () => {
    const off = await run('off', {});
    const on = await run('on', { 'claims.shared.url': redis.url, 'claims.shared.key': randomBytes(32).toString('base64') });
    console.log(`# ${REPLICAS} replicas, ${USERS} users: ${off.calls} IdP calls alone, ${on.calls} with the shared tier`);
    assert.equal(off.wrong + on.wrong, 0, 'every answer an allow');
    assert.equal(off.calls, REPLICAS * USERS);
    assert.ok(on.calls <= 1.05 * USERS, `${on.calls} calls for ${USERS} users`);
    assert.ok(on.calls >= USERS, 'every user was fetched once');
  });
});
