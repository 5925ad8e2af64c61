import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goTool, runGoTool } from '../helpers/go-tools.ts';
import { EXT_AUTHZ_DOORS } from '../helpers/front-doors.ts';
import { withSidecar, type IdpAndSidecar } from '../helpers/with-sidecar.ts';

/**
 * The protocol proven with Envoy's own generated Go types: tools/extauthz sends real CheckRequests
 * built with go-control-plane's envoy/service/auth/v3 (protojson in, ValidateAll() before sending
 * and on every answer) over grpc-go, as Envoy's Go-based peers do, and reads the answers back with
 * the same types.
 */
describe('real CheckRequests from go-control-plane\'s types (tools/extauthz check)', () => {
  let s: IdpAndSidecar;
  let extauthz: string;
  let bob: string;
  let alice: string;
  before(async () => {
    extauthz = goTool('extauthz');
    s = await withSidecar({ ...EXT_AUTHZ_DOORS });
    bob = await s.idp.token('bob');
    alice = await s.idp.token('alice');
  });
  after(() => s.close());

  const request = (method: string, path: string, headers: Record<string, string>, http: Record<string, unknown> = {}) => ({
    attributes: {
      source: { address: { socketAddress: { address: '10.1.2.3', portValue: 51000 } }, principal: 'spiffe://cluster.local/ns/default/sa/frontend' },
      destination: { address: { socketAddress: { address: '10.1.2.4', portValue: 8080 } } },
      request: { time: '2026-12-02T10:00:00Z', http: { id: '42', method, path, host: 'orders.example', scheme: 'https', protocol: 'HTTP/2', headers: { ':method': method, ':path': path, ':authority': 'orders.example', ...headers }, ...http } },
      contextExtensions: { route: 'orders' },
      metadataContext: { filterMetadata: { 'envoy.filters.http.jwt_authn': { verified: true } } },
    },
  });
  const check = async (requests: unknown[]) => {
    const r = await runGoTool(extauthz, ['check', '-addr', s.sc.sidecar.grpcAddress!], JSON.stringify(requests));
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as any[];
  };

  it('answers allow, deny, no token and two Authorization headers as Envoy expects, each answer valid by Envoy\'s rules', async () => {
    const [allow, deny, admin, none, twice] = await check([
      request('GET', '/api/orders/1?expand=items', { authorization: `Bearer ${bob}`, 'x-authz-decision-id': 'forged' }),
      request('DELETE', '/api/orders/1', { authorization: `Bearer ${bob}` }),
      request('DELETE', '/api/orders/1', { authorization: `Bearer ${alice}` }),
      request('GET', '/api/orders/1', {}),
      request('GET', '/api/orders/1', {}, { headerMap: { headers: [{ key: 'authorization', rawValue: Buffer.from(`Bearer ${bob}`).toString('base64') }, { key: 'authorization', rawValue: Buffer.from(`Bearer ${alice}`).toString('base64') }] } }),
    ]);
    // Allowed: status OK (code 0 is omitted by protojson), the decision id overwriting the client's.
    assert.equal(allow.response.status?.code ?? 0, 0);
    const id = allow.response.ok_response.headers.find((h: any) => h.header.key === 'x-authz-decision-id');
    assert.equal(id.append_action, 'OVERWRITE_IF_EXISTS_OR_ADD');
    assert.equal(allow.response.dynamic_metadata.decision_id, id.header.value);
    const logged = await s.sc.decision(id.header.value);
    assert.deepEqual([logged.request, logged.result.allow, logged.input.request.host], [{ method: 'GET', path: '/api/orders/1' }, true, 'orders.example']);

    assert.equal(deny.response.status.code, 7);
    assert.equal(deny.response.denied_response.status.code, 'Forbidden');
    assert.equal(JSON.parse(deny.response.denied_response.body).allow, false);
    assert.equal(admin.response.status?.code ?? 0, 0, 'alice (admin) may DELETE');

    assert.equal(none.response.status.code, 16);
    assert.equal(none.response.denied_response.status.code, 'Unauthorized');
    assert.ok(none.response.denied_response.headers.some((h: any) => h.header.key === 'www-authenticate' && /^Bearer realm=/.test(h.header.value)));

    assert.equal(twice.response.status.code, 3);
    assert.equal(twice.response.denied_response.status.code, 'BadRequest');
  });

  it('gives the policy opa-envoy-plugin\'s input document in extAuthz.input: envoy (source, destination, context extensions, metadata)', async () => {
    const envoy = await withSidecar({ ...EXT_AUTHZ_DOORS, 'extAuthz.input': 'envoy' });
    try {
      const token = await envoy.idp.token('bob');
      const r = await runGoTool(extauthz, ['check', '-addr', envoy.sc.sidecar.grpcAddress!], JSON.stringify([request('GET', '/api/orders/1?lang=en', { authorization: `Bearer ${token}` })]));
      assert.equal(r.status, 0, r.stderr);
      const [out] = JSON.parse(r.stdout) as any[];
      // The sample policy reads input.request: under the envoy input it is undefined, so the answer is a deny.
      assert.equal(out.response.status.code, 7);
      const logged = await envoy.sc.decision(out.response.dynamic_metadata.decision_id);
      const input = logged.input;
      assert.deepEqual(input.version, { ext_authz: 'v3', encoding: 'protojson' });
      assert.deepEqual(input.parsed_path, ['api', 'orders', '1']);
      assert.deepEqual(input.parsed_query, { lang: ['en'] });
      assert.equal(input.parsed_body, null);
      assert.equal(input.truncated_body, false);
      assert.equal(input.source_principal, 'spiffe://cluster.local/ns/default/sa/frontend');
      assert.deepEqual(input.attributes.source.address, { socketAddress: { address: '10.1.2.3', portValue: 51000 } });
      assert.deepEqual(input.attributes.contextExtensions, { route: 'orders' });
      assert.deepEqual(input.attributes.metadataContext, { filterMetadata: { 'envoy.filters.http.jwt_authn': { verified: true } } });
      assert.deepEqual(input.attributes.request.time, { seconds: Date.parse('2026-12-02T10:00:00Z') / 1000 });
      assert.equal(input.attributes.request.http.path, '/api/orders/1?lang=en');
      assert.equal(input.subject.sub, 'bob');
    } finally {
      await envoy.close();
    }
  });

  it('reports SERVING on the standard health service', async () => {
    const r = await runGoTool(extauthz, ['health', '-addr', s.sc.sidecar.grpcAddress!, '-service', 'envoy.service.auth.v3.Authorization']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'SERVING');
  });
});
