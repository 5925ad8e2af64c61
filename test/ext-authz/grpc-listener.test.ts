import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSettings } from '../../src/runtime/settings.ts';
import { SAMPLE_BUNDLE } from '../helpers/bundles.ts';
import { checkRequest, extAuthzClient } from '../helpers/ext-authz-client.ts';
import { closeDoors, EXT_AUTHZ_DOORS, grpcClientOf } from '../helpers/front-doors.ts';
import { withSidecar, type IdpAndSidecar } from '../helpers/with-sidecar.ts';

/** Envoy's ext_authz over gRPC, as Envoy sees it: statuses, headers, bodies, health, life cycle. */
describe('ext_authz gRPC listener', () => {
  let s: IdpAndSidecar;
  let bob: string;
  before(async () => {
    s = await withSidecar({ ...EXT_AUTHZ_DOORS });
    bob = await s.idp.token('bob');
  });
  after(async () => {
    closeDoors(s.sc);
    await s.close();
  });
  const check = (method: string, headers: [string, string][], path = '/api/orders/1') => grpcClientOf(s.sc).check(checkRequest(method, path, headers));

  it('serves the standard health service: SERVING for the server and the Authorization service once ready, NOT_FOUND for others', async () => {
    const client = grpcClientOf(s.sc);
    for (let i = 0; i < 40 && (await client.health('')) !== 'SERVING'; i++) await sleep(25);
    assert.equal(await client.health(''), 'SERVING');
    assert.equal(await client.health('envoy.service.auth.v3.Authorization'), 'SERVING');
    await assert.rejects(client.health('no.such.Service'), (err: { code: number }) => err.code === 5);
  });

  it('reports the ext_authz_grpc component in /v1/status and /health?plugins', async () => {
    const status = (await (await fetch(`${s.sc.url}/v1/status`)).json()) as any;
    assert.deepEqual(status.result.plugins.ext_authz_grpc, { state: 'OK' });
    assert.equal((await fetch(`${s.sc.url}/health?plugins`)).status, 200);
  });

  it('allows with status OK, x-authz-decision-id set (overwriting a client\'s), and the decision id in dynamic_metadata', async () => {
    const out = await check('GET', [['authorization', `Bearer ${bob}`], ['x-authz-decision-id', 'forged']]);
    assert.ok('response' in out);
    const r = out.response;
    assert.equal(r['status']?.code ?? 0, 0);
    const [id] = r['ok_response'].headers;
    assert.equal(id.header.key, 'x-authz-decision-id');
    assert.match(id.header.value, /^[0-9a-f-]{36}$/);
    assert.equal(id.append_action, 2, 'OVERWRITE_IF_EXISTS_OR_ADD');
    assert.equal(r['dynamic_metadata'].fields.decision_id.stringValue, id.header.value);
    const logged = await s.sc.decision(id.header.value);
    assert.deepEqual(logged.request, { method: 'GET', path: '/api/orders/1' });
    assert.equal(logged.result.allow, true);
    // The sidecar input document, with the host Envoy saw.
    assert.equal(logged.input.request.host, 'orders.example');
    assert.equal(logged.input.subject.sub, 'bob');
  });

  it('denies with PERMISSION_DENIED and a 403 DeniedHttpResponse whose body is the decision as JSON', async () => {
    const out = await check('DELETE', [['authorization', `Bearer ${bob}`]]);
    assert.ok('response' in out);
    const r = out.response;
    assert.equal(r['status'].code, 7);
    assert.equal(r['ok_response'], undefined);
    const denied = r['denied_response'];
    assert.equal(denied.status.code, 403);
    const body = JSON.parse(denied.body);
    assert.deepEqual(Object.keys(body), ['allow', 'decision_id']);
    assert.equal(body.allow, false);
    const headers = Object.fromEntries(denied.headers.map((h: any) => [h.header.key, h.header.value]));
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['x-authz-decision-id'], body.decision_id);
    assert.equal((await s.sc.decision(body.decision_id)).result.allow, false);
  });

  it('answers a token problem with UNAUTHENTICATED, 401 and the Bearer challenge', async () => {
    for (const [headers, challenge] of [
      [[], /^Bearer realm="authz-sidecar"$/],
      [[['authorization', 'Bearer x.y.z']], /error="invalid_token"/],
    ] as const) {
      const out = await check('GET', headers as unknown as [string, string][]);
      assert.ok('response' in out);
      assert.equal(out.response['status'].code, 16);
      const denied = out.response['denied_response'];
      assert.equal(denied.status.code, 401);
      const h = Object.fromEntries(denied.headers.map((x: any) => [x.header.key, x.header.value]));
      assert.match(h['www-authenticate'], challenge);
      assert.match(JSON.parse(denied.body).code, /missing_token|invalid_token/);
    }
  });

  it('refuses a CheckRequest that is not one (garbage bytes) with a gRPC error, never an allow', async () => {
    const { Client, credentials } = await import('@grpc/grpc-js');
    const client = new Client(s.sc.sidecar.grpcAddress!, credentials.createInsecure());
    const err = await new Promise<{ code: number }>((resolve) =>
      client.makeUnaryRequest('/envoy.service.auth.v3.Authorization/Check', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0xff, 0xff, 0xff]), (e) => resolve(e as unknown as { code: number })),
    );
    client.close();
    assert.notEqual(err, null);
    assert.notEqual(err.code, 0);
  });

  it('answers the HTTP service under the prefix: the path after it, the query, and the method replayed', async () => {
    const res = await fetch(`${s.sc.url}/ext-authz/api/orders/7?expand=items`, { headers: { authorization: `Bearer ${bob}` } });
    assert.equal(res.status, 200);
    const id = res.headers.get('x-authz-decision-id')!;
    const logged = await s.sc.decision(id);
    assert.deepEqual(logged.request, { method: 'GET', path: '/api/orders/7' });
    assert.deepEqual(logged.input.request.query, { expand: ['items'] });
    const del = await fetch(`${s.sc.url}/ext-authz/api/orders/7`, { method: 'DELETE', headers: { authorization: `Bearer ${bob}` } });
    assert.equal(del.status, 403);
    assert.equal(((await del.json()) as any).allow, false);
    // Not under the prefix: not the ext_authz service.
    assert.equal((await fetch(`${s.sc.url}/ext-authzx/api/orders/7`, { headers: { authorization: `Bearer ${bob}` } })).status, 404);
  });

  it('stops refusing new calls; a client then gets UNAVAILABLE', async () => {
    const other = await withSidecar({ ...EXT_AUTHZ_DOORS });
    const client = extAuthzClient(other.sc.sidecar.grpcAddress!);
    const token = await other.idp.token('bob');
    const ok = await client.check(checkRequest('GET', '/api/orders/1', [['authorization', `Bearer ${token}`]]));
    assert.ok('response' in ok);
    await other.close();
    const after = await client.check(checkRequest('GET', '/api/orders/1', [['authorization', `Bearer ${token}`]]));
    assert.ok('error' in after);
    assert.equal(after.error.code, 14);
    client.close();
  });
});

describe('ext_authz settings', () => {
  const settle = (overrides: Record<string, unknown>) =>
    loadSettings({ env: {}, base: { issuer: 'http://127.0.0.1:1', listen: '127.0.0.1:8181', 'policy.bundle': SAMPLE_BUNDLE, ...overrides } });

  it('is off by default: no gRPC listener, no prefix route, the sidecar input', () => {
    const { config } = settle({});
    assert.equal(config.extAuthz.grpc.listen, undefined);
    assert.equal(config.extAuthz.http.pathPrefix, undefined);
    assert.equal(config.extAuthz.input, 'sidecar');
  });

  for (const [prefix, why] of [
    ['/', /must start with/],
    ['ext-authz', /must start with/],
    ['/ext-authz/', /must start with/],
    ['/v1', /overlaps/],
    ['/admin', /overlaps/],
    ['/authorize', /overlaps/],
    ['/forward-auth', /overlaps/],
  ] as const) {
    it(`refuses extAuthz.http.pathPrefix ${JSON.stringify(prefix)}, naming the key`, () => {
      assert.throws(() => settle({ 'extAuthz.http.pathPrefix': prefix }), (err: Error) => /extAuthz\.http\.pathPrefix/.test(err.message) && why.test(err.message));
    });
  }

  it('refuses a gRPC listener on the API\'s or the diagnostics\' address', () => {
    assert.throws(() => settle({ 'extAuthz.grpc.listen': '127.0.0.1:8181' }), /extAuthz\.grpc\.listen.*must differ from listen/);
    assert.throws(() => settle({ 'extAuthz.grpc.listen': '127.0.0.1:9464', 'diagnostics.listen': '127.0.0.1:9464' }), /must differ from diagnostics\.listen/);
  });
});
