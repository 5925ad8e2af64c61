// Envoy's ext_authz against the sidecar as it runs for real (its own process, Keycloak's tokens,
// roles from userinfo), with the clients nearest to Envoy that install here (Envoy itself has no
// package on the registries these machines reach): grpcurl (built from the Go module proxy) with
// Envoy's own vendored protos for the gRPC service and the standard health service, and plain
// HTTP for the HTTP service, exactly as Envoy's http_service sends it (<prefix><path>, the method,
// the Authorization header).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';
import { goTool, runGoTool } from '../helpers/go-tools.ts';
import { REALM, issuer, passwordToken } from './helpers/keycloak.ts';
import { startSidecarProcess, type SidecarProcess } from './helpers/processes.ts';

describe('Envoy ext_authz (gRPC with grpcurl, HTTP service) → authz-sidecar, Keycloak tokens', () => {
  let sidecar: SidecarProcess;
  let grpcurl: string;
  let address: string;
  const tokens: Record<string, string> = {};

  before(async () => {
    grpcurl = goTool('grpcurl');
    sidecar = await startSidecarProcess({
      AUTHZ_ISSUER: issuer(),
      AUTHZ_AUDIENCE: REALM.audience,
      AUTHZ_EXT_AUTHZ_GRPC_LISTEN: '127.0.0.1:0',
      AUTHZ_EXT_AUTHZ_HTTP_PATH_PREFIX: '/ext-authz',
    });
    address = /"msg":"ext_authz gRPC listening","address":"([^"]+)"/.exec(sidecar.output())![1]!;
    for (const user of ['alice', 'bob']) tokens[user] = await passwordToken(user);
  });
  after(async () => {
    assert.equal(await sidecar?.stop(), 0);
  });

  async function check(method: string, path: string, http: Record<string, unknown>): Promise<any> {
    const request = { attributes: { request: { http: { method, path, host: 'orders.example', ...http } } } };
    const r = await runGoTool(grpcurl, ['-plaintext', '-import-path', join(ROOT, 'proto'), '-proto', 'envoy/service/auth/v3/external_auth.proto', '-d', JSON.stringify(request), address, 'envoy.service.auth.v3.Authorization/Check']);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  it('grpcurl: the standard health service answers SERVING', async () => {
    const r = await runGoTool(grpcurl, ['-plaintext', '-import-path', join(ROOT, 'node_modules/grpc-health-check/proto'), '-proto', 'health/v1/health.proto', '-d', '{"service":"envoy.service.auth.v3.Authorization"}', address, 'grpc.health.v1.Health/Check']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, 'SERVING');
  });

  it('grpcurl: bob GET /api/orders/1 is allowed, with the decision id for the upstream', async () => {
    const res = await check('GET', '/api/orders/1', { headers: { authorization: `Bearer ${tokens['bob']}` } });
    assert.equal(res.status?.code ?? 0, 0);
    const id = res.okResponse.headers.find((h: any) => h.header.key === 'x-authz-decision-id').header.value;
    const logged = await sidecar.decision((d) => d.decision_id === id);
    assert.deepEqual([logged.request, logged.result.allow, logged.claims.source], [{ method: 'GET', path: '/api/orders/1' }, true, 'userinfo']);
  });

  it('grpcurl: bob DELETE is denied (403), no token is 401 with the Bearer challenge, alice DELETE is allowed', async () => {
    const denied = await check('DELETE', '/api/orders/1', { headers: { authorization: `Bearer ${tokens['bob']}` } });
    assert.equal(denied.status.code, 7);
    assert.equal(denied.deniedResponse.status.code, 'Forbidden');
    const none = await check('GET', '/api/orders/1', { headers: {} });
    assert.equal(none.status.code, 16);
    assert.ok(none.deniedResponse.headers.some((h: any) => h.header.key === 'www-authenticate'));
    const admin = await check('DELETE', '/api/orders/1', { headers: { authorization: `Bearer ${tokens['alice']}` } });
    assert.equal(admin.status?.code ?? 0, 0);
  });

  it('grpcurl: two Authorization headers (header_map) are a denied check (400), decided for nobody', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const twice = await check('DELETE', '/api/orders/1', { headerMap: { headers: [{ key: 'authorization', rawValue: b64(`Bearer ${tokens['bob']}`) }, { key: 'authorization', rawValue: b64(`Bearer ${tokens['alice']}`) }] } });
    assert.equal(twice.status.code, 3);
    assert.equal(twice.deniedResponse.status.code, 'BadRequest');
  });

  it('HTTP service: <prefix><path> with the method replayed; 200 allows, 403 denies, 401 without a token', async () => {
    const as = (user: string | undefined, method: string, path: string) =>
      fetch(`${sidecar.url}/ext-authz${path}`, { method, headers: user ? { authorization: `Bearer ${tokens[user]}` } : {} });
    const ok = await as('bob', 'GET', '/api/orders/9?expand=items');
    assert.equal(ok.status, 200);
    const logged = await sidecar.decision((d) => d.decision_id === ok.headers.get('x-authz-decision-id'));
    assert.deepEqual(logged.request, { method: 'GET', path: '/api/orders/9' });
    assert.equal((await as('bob', 'DELETE', '/api/orders/9')).status, 403);
    const none = await as(undefined, 'GET', '/api/orders/9');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="authz-sidecar"/);
  });
});
