import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { claimsSetup, type ClaimsSetup } from '../helpers/claims-setup.ts';
import { faults, TEST_AUDIENCE } from '../helpers/fault-idp.ts';
import { tempDir } from '../helpers/bundles.ts';
import { unusedPort } from '../helpers/local-http.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';

/**
 * `GET /health` with OPA's semantics over the components (src/runtime/health.ts): a failing
 * component makes `?plugins` answer 500 naming it; `?exclude-plugin` leaves it out; `?bundles`
 * is about the first activation only. The failures are real: an IdP that is down, a decision-log
 * collector that is down, a userinfo endpoint that fails.
 */
const health = async (url: string, query = ''): Promise<{ status: number; body: any }> => {
  const res = await fetch(`${url}/health${query}`);
  return { status: res.status, body: await res.json() };
};

describe('/health?plugins with an IdP that is down', () => {
  let sc: TestSidecar;
  before(async () => {
    sc = await startTestSidecar(`http://127.0.0.1:${await unusedPort()}`, {}, false);
  });
  after(() => sc.stop());

  it('is alive (plain /health), has its bundle (?bundles), but ?plugins names discovery and keys, and /ready says why', async () => {
    assert.deepEqual(await health(sc.url), { status: 200, body: { status: 'ok' } });
    assert.equal((await health(sc.url, '?bundles')).status, 200);
    let plugins = await health(sc.url, '?plugins');
    // The first attempt's failure reaches the message once that attempt has failed (a refused connection: at once).
    for (let i = 0; i < 100 && !/failed/.test(plugins.body.plugins.discovery.message); i++) plugins = await health(sc.url, '?plugins');
    assert.equal(plugins.status, 500);
    assert.match(plugins.body.error, /^one or more plugins are not up: .*keys \(NOT_READY\).*discovery \(NOT_READY\)/);
    assert.equal(plugins.body.plugins.discovery.state, 'NOT_READY');
    assert.match(plugins.body.plugins.discovery.message, /issuer discovery has not succeeded yet \(http:\/\/127\.0\.0\.1:\d+\): issuer .* is not reachable: discovery at .* failed/);
    assert.equal(plugins.body.plugins.bundle, undefined, 'only failing components are listed');
    const ready = await fetch(`${sc.url}/ready`);
    assert.equal(ready.status, 503);
    assert.match(((await ready.json()) as { message: string }).message, /^issuer discovery has not succeeded yet/);
  });

  it('answers 200 once every failing component is excluded (?exclude-plugin, repeatable, as OPA)', async () => {
    assert.equal((await health(sc.url, '?plugins&exclude-plugin=discovery&exclude-plugin=keys')).status, 500, 'userinfo waits for discovery too');
    assert.equal((await health(sc.url, '?plugins&exclude-plugin=discovery&exclude-plugin=keys&exclude-plugin=userinfo')).status, 200);
    assert.equal((await health(sc.url, '?plugins=false')).status, 200, 'plugins=false is not a request for plugins');
  });

  it('shows every component in GET /v1/status under plugins', async () => {
    const { result } = (await (await fetch(`${sc.url}/v1/status`)).json()) as { result: any };
    assert.deepEqual(Object.keys(result.plugins).sort(), ['bundle', 'decision_logs', 'discovery', 'keys', 'listener', 'userinfo']);
    assert.equal(result.plugins.bundle.state, 'OK');
    assert.equal(result.plugins.listener.state, 'OK');
    assert.ok(result.bundles.authz.active_revision, 'the sections are still there');
    assert.ok(result.decision_logs.sinks.file);
  });
});

describe('/health?bundles before any bundle is active', () => {
  it('answers 500 naming the bundle, while plain /health answers 200', async () => {
    const idp = await claimsSetup();
    const sc = await startTestSidecar(idp.idp.issuer, { audience: [TEST_AUDIENCE], 'policy.bundle': join(tempDir(), 'missing.tar.gz') }, false);
    try {
      assert.equal((await health(sc.url)).status, 200);
      assert.deepEqual(await health(sc.url, '?bundles'), { status: 500, body: { error: 'one or more bundles are not activated: missing' } });
      const plugins = await health(sc.url, '?plugins');
      assert.equal(plugins.body.plugins.bundle.state, 'NOT_READY');
      assert.match(plugins.body.plugins.bundle.message, /no policy bundle is active \(.*missing\.tar\.gz/);
    } finally {
      await sc.stop();
      await idp.close();
    }
  });
});

describe('/health?plugins with a failing userinfo endpoint and a decision-log collector that is down', () => {
  let s: ClaimsSetup;
  before(async () => {
    s = await claimsSetup({
      'claims.breaker.failureThreshold': 2,
      'decisionLog.http.url': `http://127.0.0.1:${await unusedPort()}/logs`,
      'decisionLog.http.flushIntervalMs': 10,
      'decisionLog.http.retryInitialMs': 10_000,
      'decisionLog.http.retryMaxMs': 10_000,
    });
  });
  after(() => s.close());

  it('is healthy before anything fails', async () => {
    assert.equal((await health(s.sc.url, '?plugins')).status, 200);
  });

  it('names decision_logs (WARN) once an upload failed, and userinfo (ERROR) once its circuit opened', async () => {
    s.idp.users.set('u1', { roles: ['admin'] });
    s.idp.userinfo = faults.status(503);
    for (let i = 0; i < 2; i++) {
      const res = await s.sc.authorize(await s.idp.token({ sub: `u${i}` }), { method: 'GET', path: '/api/orders/1' });
      assert.equal(res.status, 503);
    }
    let plugins = await health(s.sc.url, '?plugins');
    for (let i = 0; i < 100 && !plugins.body.plugins?.decision_logs; i++) {
      await new Promise((r) => setTimeout(r, 20));
      plugins = await health(s.sc.url, '?plugins');
    }
    assert.equal(plugins.status, 500);
    assert.equal(plugins.body.plugins.userinfo.state, 'ERROR');
    assert.match(plugins.body.plugins.userinfo.message, /circuit is open after 2 consecutive failures/);
    assert.equal(plugins.body.plugins.decision_logs.state, 'WARN');
    assert.match(plugins.body.plugins.decision_logs.message, /^uploading to http:\/\/127\.0\.0\.1:\d+\/logs fails, events are buffered and retried/);
    assert.deepEqual(Object.keys(plugins.body.plugins).sort(), ['decision_logs', 'userinfo']);
    assert.equal((await health(s.sc.url, '?plugins&exclude-plugin=userinfo&exclude-plugin=decision_logs')).status, 200);
    assert.equal((await fetch(`${s.sc.url}/ready`)).status, 200, 'a failing IdP or collector does not take the sidecar out of rotation');
  });
});
