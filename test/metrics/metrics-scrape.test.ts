import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestIdp } from '../helpers/test-idp.ts';
import type { TestSidecar } from '../helpers/test-sidecar.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';
import { parseExposition } from '../helpers/prom-text.ts';

const get = { method: 'GET', path: '/api/orders/1' };
const del = { method: 'DELETE', path: '/api/orders/1' };

describe('GET /metrics on a real sidecar', () => {
  let idp: TestIdp, sc: TestSidecar, close: () => Promise<void>;
  before(async () => ({ idp, sc, close } = await withSidecar({ 'diagnostics.listen': '127.0.0.1:0' })));
  after(() => close());

  it('counts decisions, stage latencies, cache outcomes, userinfo and JWKS calls, the bundle and the log, in a parseable scrape', async () => {
    const bob = await idp.token('bob');
    assert.equal((await sc.authorize(bob, get)).body.allow, true); // userinfo miss
    assert.equal((await sc.authorize(bob, get)).body.allow, true); // hit
    assert.equal((await sc.authorize(bob, del)).body.allow, false); // hit, deny
    assert.equal((await sc.authorize('garbage', get)).status, 401); // error before claims
    await sc.sidecar.whenReady();
    await new Promise((r) => setTimeout(r, 20)); // the decision log writes on a later tick

    const res = await fetch(`${sc.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const x = parseExposition(await res.text());
    assert.equal(x.value('authz_decisions_total', { result: 'allow' }), 2);
    assert.equal(x.value('authz_decisions_total', { result: 'deny' }), 1);
    assert.equal(x.value('authz_decisions_total', { result: 'error' }), 1);
    assert.equal(x.value('authz_decision_errors_total', { code: 'invalid_token' }), 1);
    for (const stage of ['verify', 'claims', 'policy', 'total']) {
      assert.equal(x.value('authz_decision_stage_duration_seconds_count', { stage }), 4, stage);
    }
    assert.ok(x.value('authz_decision_stage_duration_seconds_sum', { stage: 'total' })! > 0);
    assert.equal(x.value('authz_claims_cache_lookups_total', { outcome: 'miss' }), 1);
    assert.equal(x.value('authz_claims_cache_lookups_total', { outcome: 'hit' }), 2);
    assert.equal(x.value('authz_userinfo_requests_total'), 1);
    assert.equal(x.value('authz_userinfo_request_duration_seconds_count'), 1);
    assert.equal(x.value('authz_jwks_fetches_total'), 1);
    assert.equal(x.value('authz_jwks_fetch_errors_total'), 0);
    assert.equal(x.value('authz_bundle_loads_total', { result: 'success' }), 1);
    const info = x.samples.filter((s) => s.name === 'authz_bundle_info');
    assert.equal(info.length, 1);
    assert.equal(info[0]!.labels['revision'], sc.decisions()[0].bundles.authz.revision);
    const activated = x.value('authz_bundle_last_activation_timestamp_seconds')!;
    assert.ok(Math.abs(activated - Date.now() / 1000) < 60, 'activation time is recent unix seconds');
    assert.equal(x.value('authz_decision_log_written_total'), 4);
    assert.equal(x.value('authz_http_requests_in_flight'), 1, 'the scrape itself');
    assert.equal(typeof x.value('nodejs_eventloop_lag_p99_seconds'), 'number');

    const names = new Set(x.samples.map((s) => s.name));
    const labelValues = x.samples.flatMap((s) => Object.values(s.labels));
    assert.ok(!labelValues.some((v) => v.includes('bob') || v.includes('/api/')), 'no subject or path in any label');
    assert.ok(names.size > 20);
  });

  it('serves /health, /ready and /metrics, and nothing else, on the diagnostics listener', async () => {
    const diag = sc.sidecar.diagnosticsUrl!;
    assert.match(diag, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await (await fetch(`${diag}/health`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${diag}/ready`)).json(), { status: 'ready' });
    const m = await fetch(`${diag}/metrics`);
    assert.equal(m.status, 200);
    assert.ok(parseExposition(await m.text()).value('authz_decisions_total', { result: 'allow' })! >= 2);
    const denied = await fetch(`${diag}/authorize`, { method: 'POST', body: '{}' });
    assert.equal(denied.status, 405);
    assert.equal((await fetch(`${diag}/forward-auth`)).status, 404);
  });
});

