import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createIdpBudget } from '../../src/claims/idp-budget.ts';
import { createSharedClaimsTier, type SharedClaimsTier } from '../../src/claims/shared/shared-tier.ts';
import { silentLog } from '../../src/lib/process-log.ts';
import { skipWithoutRedis, startTestRedis, type TestRedis } from '../helpers/redis-server.ts';

const AUTH0 = { perSecond: 5 / 60, burst: 10 };
const NONE = { perSecond: 0, burst: 1 };

const refusedWith = async (p: Promise<void>): Promise<number> => {
  try {
    await p;
  } catch (err: any) {
    assert.equal(err.code, 'claims_unavailable');
    assert.equal(err.status, 503);
    return err.retryAfterSeconds;
  }
  assert.fail('expected a claims_unavailable refusal');
};

describe('the IdP call budget, per process', () => {
  it('lets a subject burst 10 calls, then refuses with a Retry-After until the bucket refills (5 per minute)', async () => {
    const clock = { t: 1_000_000 };
    let refusedCount = 0;
    const budget = createIdpBudget({ endpoint: NONE, subject: AUTH0, maxSubjects: 100, now: () => clock.t, onRefused: () => refusedCount++ });
    for (let i = 0; i < 10; i++) await budget.take('userinfo', 'alice');
    assert.equal(await refusedWith(budget.take('userinfo', 'alice')), 12, 'one call comes back after 60/5 s');
    await budget.take('userinfo', 'bob'); // another subject has its own bucket
    clock.t += 12_000;
    await budget.take('userinfo', 'alice');
    await refusedWith(budget.take('userinfo', 'alice'));
    assert.equal(budget.refused, 2);
    assert.equal(refusedCount, 2);
  });

  it('limits each endpoint on its own bucket', async () => {
    const clock = { t: 0 };
    const budget = createIdpBudget({ endpoint: { perSecond: 2, burst: 2 }, subject: NONE, maxSubjects: 100, now: () => clock.t });
    await budget.take('userinfo', 'a');
    await budget.take('userinfo', 'b');
    assert.equal(await refusedWith(budget.take('userinfo', 'c')), 1);
    await budget.take('introspection', 'c');
  });

  it("honours an IdP 429's Retry-After: no call to that endpoint until it has passed", async () => {
    const clock = { t: 0 };
    const budget = createIdpBudget({ endpoint: NONE, subject: NONE, maxSubjects: 100, now: () => clock.t });
    budget.pause('userinfo', 30_000);
    assert.equal(await refusedWith(budget.take('userinfo', 'a')), 30);
    await budget.take('introspection', 'a');
    clock.t += 30_000;
    await budget.take('userinfo', 'a');
  });
});

describe('the IdP call budget, fleet-wide on a real redis-server', { skip: skipWithoutRedis }, () => {
  let redis: TestRedis;
  const tiers: SharedClaimsTier[] = [];
  const tier = async (): Promise<SharedClaimsTier> => {
    const t = createSharedClaimsTier({
      settings: { url: redis.url, key, prefix: 'budget-test:', connectTimeoutMs: 1000, commandTimeoutMs: 250, readBudgetMs: 200, lockMs: 3000, lockWaitMs: 1000, breakerFailures: 3, breakerCoolOffMs: 2000, staleIfErrorSeconds: 60 },
      log: silentLog,
    });
    await t.start();
    for (let i = 0; i < 200 && t.status()['claims_shared']!.state !== 'OK'; i++) await new Promise((r) => setTimeout(r, 10));
    tiers.push(t);
    return t;
  };
  const key = randomBytes(32);
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const t of tiers) await t.stop();
    await redis?.stop();
  });

  it("three replicas share one subject's bucket: 10 calls in all, then every replica refuses", async () => {
    const budgets = await Promise.all([tier(), tier(), tier()].map(async (t) => createIdpBudget({ endpoint: NONE, subject: AUTH0, maxSubjects: 100, now: Date.now, shared: await t })));
    for (let i = 0; i < 10; i++) await budgets[i % 3]!.take('userinfo', 'carol');
    for (const b of budgets) assert.ok((await refusedWith(b.take('userinfo', 'carol'))) > 0);
    await budgets[0]!.take('userinfo', 'dave');
  });

  it("a 429 seen by one replica pauses the endpoint for every replica", async () => {
    const [a, b] = [createIdpBudget({ endpoint: NONE, subject: NONE, maxSubjects: 100, now: Date.now, shared: await tier() }), createIdpBudget({ endpoint: NONE, subject: NONE, maxSubjects: 100, now: Date.now, shared: await tier() })];
    a.pause('userinfo', 20_000);
    for (let i = 0; i < 100 && (await redis.admin.exists('budget-test:p:userinfo')) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok((await refusedWith(b.take('userinfo', 'erin'))) > 0);
  });

  it('falls back to the per-process budget when Redis does not answer', async () => {
    const t = await tier();
    const budget = createIdpBudget({ endpoint: NONE, subject: AUTH0, maxSubjects: 100, now: Date.now, shared: t });
    await t.stop();
    for (let i = 0; i < 10; i++) await budget.take('userinfo', 'frank');
    await refusedWith(budget.take('userinfo', 'frank'));
  });
});
