// nginx (the Debian package) in front of examples/demo-service, with auth_request to the
// sidecar's /forward-auth, configured by the same template docker-compose.yml uses
// (deploy/nginx/authz.conf). Tokens come from the Keycloak started by global-setup.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REALM, issuer, passwordToken } from './helpers/keycloak.ts';
import { startDemoService, startSidecarProcess, type Child, type SidecarProcess } from './helpers/processes.ts';
import { findNginx, startNginx, type RunningNginx } from './helpers/nginx.ts';

const nginxBin = findNginx();
// Outside CI a missing nginx skips this file; in CI (scripts/e2e.sh installs it) it fails.
const skip = nginxBin || process.env['CI'] ? false : 'nginx is not installed (apt-get install nginx, or run scripts/e2e.sh)';

describe('nginx auth_request → authz-sidecar /forward-auth → demo service', { skip }, () => {
  let sidecar: SidecarProcess;
  let demo: Child & { url: string };
  let nginx: RunningNginx;
  const tokens: Record<string, string> = {};

  before(async () => {
    if (!nginxBin) throw new Error('nginx is not installed (scripts/e2e.sh installs the Debian package)');
    sidecar = await startSidecarProcess({ AUTHZ_ISSUER: issuer(), AUTHZ_AUDIENCE: REALM.audience });
    demo = await startDemoService();
    nginx = await startNginx(nginxBin, { AUTHZ_SIDECAR_URL: sidecar.url, UPSTREAM_URL: demo.url });
    for (const user of ['alice', 'bob']) tokens[user] = await passwordToken(user);
  });
  after(async () => {
    await nginx?.stop();
    await demo?.stop();
    await sidecar?.stop();
  });

  const call = (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${nginx.url}${path}`, { method, headers });

  it('passes an allowed request to the service: bob GET /api/orders/1 → 200 with the service\'s body', async () => {
    const res = await call('GET', '/api/orders/1?expand=items', { authorization: `Bearer ${tokens['bob']}` });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { service: string; method: string; url: string; decision_id: string };
    assert.equal(body.service, 'demo-service');
    assert.equal(body.method, 'GET');
    assert.equal(body.url, '/api/orders/1?expand=items');
    // The sidecar's decision id reaches the service and the client.
    assert.match(body.decision_id, /.+/);
    assert.equal(res.headers.get('x-authz-decision-id'), body.decision_id);
    assert.equal((await sidecar.decision((d) => d.decision_id === body.decision_id)).result.allow, true);
  });

  it('lets alice DELETE /api/orders/1', async () => {
    const res = await call('DELETE', '/api/orders/1', { authorization: `Bearer ${tokens['alice']}` });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { method: string }).method, 'DELETE');
  });

  it('answers 401 with the sidecar\'s Bearer challenge when there is no token', async () => {
    const res = await call('GET', '/api/orders/4');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="authz-sidecar"/);
    assert.doesNotMatch(await res.text(), /demo-service/);
    assert.doesNotMatch(demo.output(), /\/api\/orders\/4/);
  });

  it('answers 403 to bob DELETE /api/orders/2, and the service never sees it', async () => {
    const res = await call('DELETE', '/api/orders/2', { authorization: `Bearer ${tokens['bob']}` });
    assert.equal(res.status, 403);
    assert.doesNotMatch(await res.text(), /demo-service/);
    assert.doesNotMatch(demo.output(), /DELETE \/api\/orders\/2/);
    const decisionId = res.headers.get('x-authz-decision-id');
    assert.match(decisionId ?? '', /.+/);
    const denied = await sidecar.decision((d) => d.decision_id === decisionId);
    assert.deepEqual([denied.request, denied.result.allow], [{ method: 'DELETE', path: '/api/orders/2' }, false]);
  });

  it('ignores X-Forwarded-Method / X-Forwarded-Uri sent by the client (bob cannot pass DELETE off as GET)', async () => {
    const res = await call('DELETE', '/api/orders/2', {
      authorization: `Bearer ${tokens['bob']}`,
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/api/orders/2',
    });
    assert.equal(res.status, 403);
    assert.doesNotMatch(demo.output(), /DELETE \/api\/orders\/2/);
  });

  // Last: it stops the sidecar.
  it('fails closed when the sidecar is down: 500, and the service never sees the request', async () => {
    assert.equal(await sidecar.stop(), 0);
    const res = await call('GET', '/api/orders/3', { authorization: `Bearer ${tokens['bob']}` });
    assert.equal(res.status, 500);
    assert.doesNotMatch(await res.text(), /demo-service/);
    assert.doesNotMatch(demo.output(), /GET \/api\/orders\/3/);
  });
});
