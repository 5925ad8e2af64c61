import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createAuthzenPdp } from '../../src/authzen/create-pdp.ts';
import type { DecisionEventDraft } from '../../src/decision-log/decision-event.ts';
import { createIdentity, type Identity } from '../../src/decision/identity.ts';
import { createSubjectFilter } from '../../src/decision/relevant-roles.ts';
import { silentLog } from '../../src/lib/process-log.ts';
import { createPolicyEngine, type PolicyEngine } from '../../src/policy/policy-engine.ts';
import { readBundle } from '../../src/policy/read-bundle.ts';
import { loadSettings, type Settings } from '../../src/runtime/settings.ts';
import { createIssuerDiscovery, type IssuerDiscovery } from '../../src/token/issuer-discovery.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';
import { SAMPLE_BUNDLE } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';
import { eventsOf, postAuthzen, route } from './helpers.ts';

/**
 * Issue 15's speed requirement: a batch of 100 evaluations for one subject costs one token
 * verification and one claims lookup, not 100. Caches are off (`token.cacheTtlSeconds: 0`,
 * `claims.cacheTtlSeconds: 0`), so every verification and every lookup would really happen.
 */

const batchOf = (n: number) => ({
  subject: { type: 'user', id: 'bob' },
  action: { name: 'GET' },
  evaluations: Array.from({ length: n }, (_, i) => ({ resource: { type: 'route', id: `/api/orders/${i}` } })),
});
const NO_CACHES = { 'token.cacheTtlSeconds': 0, 'claims.cacheTtlSeconds': 0, 'claims.negativeTtlSeconds': 0 };

test('through HTTP: a batch of 100 calls userinfo once, and logs 100 decisions with its request id', async () => {
  const env = await withSidecar({ ...NO_CACHES, 'authzen.enabled': true, 'authzen.entrypoint': 'authz/authzen/evaluation' });
  try {
    const token = await env.idp.token('bob');
    for (const round of [1, 2]) {
      const before = env.idp.userinfoCalls.get('bob') ?? 0;
      const r = await postAuthzen(env.sc, '/access/v1/evaluations', batchOf(100), { authorization: `Bearer ${token}`, 'x-request-id': `batch-100-${round}` });
      assert.equal(r.status, 200);
      assert.equal(r.body.evaluations.length, 100);
      assert.ok(r.body.evaluations.every((e: { decision: boolean }) => e.decision === true));
      assert.equal((env.idp.userinfoCalls.get('bob') ?? 0) - before, 1, `round ${round}: one userinfo call for 100 evaluations (the claims cache is off)`);
      const events = await eventsOf(env.sc, `batch-100-${round}`, 100);
      assert.equal(events.length, 100);
      assert.equal(events.filter((e) => e.claims.cache === 'reused').length, 99);
    }
  } finally {
    await env.close();
  }
});

describeCounting();

/** The pipeline itself, with the real identity component (jose, the IdP's JWKS and userinfo), its verify and enrich counted. */
function describeCounting(): void {
  let idp: TestIdp;
  let discovery: IssuerDiscovery;
  let identity: Identity;
  let engine: PolicyEngine;
  let settings: Settings;
  before(async () => {
    idp = await startTestIdp();
    settings = loadSettings({
      env: {},
      base: { issuer: idp.issuer, audience: [DEMO_AUDIENCE], 'authzen.enabled': true, 'authzen.entrypoint': 'authz/authzen/evaluation', ...NO_CACHES },
    });
    discovery = createIssuerDiscovery({ issuer: idp.issuer, timeoutMs: 2000, retryInitialMs: 20, retryMaxMs: 200 });
    identity = createIdentity({ config: settings.config, claims: settings.claims, issuer: discovery, log: silentLog });
    await discovery.start();
    await identity.start();
    while (identity.status()['keys']?.state !== 'OK') await new Promise((r) => setTimeout(r, 10));
    engine = await createPolicyEngine(readBundle(readFileSync(SAMPLE_BUNDLE)), { entrypoint: 'authz/decision', memoryInitialPages: 5, memoryMaxPages: 64 });
  });
  after(async () => {
    await identity.stop();
    await discovery.stop();
    await idp.stop();
  });

  test('the pipeline: 100 evaluations, one verification, one enrichment, one userinfo call, 100 events', async () => {
    const calls = { verify: 0, enrich: 0 };
    const events: DecisionEventDraft[] = [];
    const pdp = createAuthzenPdp({
      verify: (t) => (calls.verify++, identity.verify(t)),
      enrich: (t, v) => (calls.enrich++, identity.enrich(t, v)),
      engine: () => engine,
      filterSubject: createSubjectFilter(settings.claims.roleClaims),
      log: { log: (e) => void events.push(e) },
      settings: settings.authzen,
      cachedSubject: identity.cachedSubject,
      subjectClaims: identity.subjectClaims,
    });
    const token = await idp.token('bob');
    const userinfoBefore = idp.userinfoCalls.get('bob') ?? 0;
    const { evaluations } = batchOf(100);
    const results = await pdp.evaluate({
      authorization: `Bearer ${token}`,
      requestId: 'counted',
      semantic: 'execute_all',
      evaluations: evaluations.map((e) => ({ subject: { type: 'user', id: 'bob' }, ...route('GET', e.resource.id) })),
    });
    assert.equal(results.length, 100);
    assert.ok(results.every((r) => r.decision));
    assert.deepEqual(calls, { verify: 1, enrich: 1 });
    assert.equal((idp.userinfoCalls.get('bob') ?? 0) - userinfoBefore, 1);
    assert.equal(events.length, 100);
    assert.ok(events.every((e) => e.request_id === 'counted'));
  });
}
