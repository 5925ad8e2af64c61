import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { checkRequest } from '../helpers/ext-authz-client.ts';
import { closeDoors, EXT_AUTHZ_DOORS, FRONT_DOORS, grpcClientOf } from '../helpers/front-doors.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';

/**
 * Ambiguous credentials, tried as an attacker would: a request with two Authorization headers
 * (a viewer's, then an admin's) was decided on the first one, because node keeps the first of
 * duplicate Authorization headers, while a proxy or the service behind it may read the last or
 * join them: one user decided, another served. Every front door must refuse it (400
 * invalid_request; a denied check on ext_authz) before any decision, however it is spelled.
 */
describe('ambiguous credentials are refused on every front door', () => {
  let idp: AttackIdp;
  let sc: TestSidecar;
  let viewer: string;
  let admin: string;
  before(async () => {
    idp = await startAttackIdp();
    sc = await startTestSidecar(idp.issuer, { ...EXT_AUTHZ_DOORS });
    viewer = idp.sign(idp.claims({ sub: 'bob', roles: ['orders-viewer'] }));
    admin = idp.sign(idp.claims({ sub: 'alice', roles: ['admin'] }));
  });
  after(async () => {
    closeDoors(sc);
    await sc.stop();
    await idp.stop();
  });

  const spellings: readonly (readonly [string, (v: string, a: string) => [string, string][]])[] = [
    ['two Authorization headers, the viewer\'s then the admin\'s', (v, a) => [['Authorization', `Bearer ${v}`], ['Authorization', `Bearer ${a}`]]],
    ['the admin\'s first', (v, a) => [['Authorization', `Bearer ${a}`], ['Authorization', `Bearer ${v}`]]],
    ['two spellings of the name', (v, a) => [['Authorization', `Bearer ${v}`], ['AUTHORIZATION', `Bearer ${a}`]]],
    ['the same token twice', (v) => [['authorization', `Bearer ${v}`], ['authorization', `Bearer ${v}`]]],
    ['a bearer token beside another scheme', (v) => [['Authorization', 'Basic YWRtaW46YWRtaW4='], ['Authorization', `Bearer ${v}`]]],
  ];

  for (const door of FRONT_DOORS) {
    it(`[${door.name}] allows the viewer's GET with one header, and denies the viewer's DELETE (the suite can fail)`, async () => {
      const get = await door.send(sc, { method: 'GET', target: '/api/orders/1', headers: [['Authorization', `Bearer ${viewer}`]] });
      const del = await door.send(sc, { method: 'DELETE', target: '/api/orders/1', headers: [['Authorization', `Bearer ${viewer}`]] });
      assert.equal(get.allowed, true);
      assert.equal(del.allowed, false);
      // Logged off the request path: wait for both, so the refusals below count only their own.
      assert.ok(await sc.decision(get.decisionId!));
      assert.ok(await sc.decision(del.decisionId!));
    });
    for (const [name, headers] of spellings) {
      it(`[${door.name}] refuses ${name} with 400 invalid_request, before any decision`, async () => {
        const before = sc.decisions().length;
        const answer = await door.send(sc, { method: 'DELETE', target: '/api/orders/1', headers: headers(viewer, admin) });
        assert.equal(answer.allowed, false);
        assert.equal(answer.status, 400, 'regression: the first Authorization header used to decide');
        assert.equal(answer.code, 'invalid_request');
        assert.match(answer.message ?? '', /more than one Authorization header/);
        await sleep(30);
        assert.equal(sc.decisions().length, before, 'no decision was made');
      });
    }
  }

  describe('ext_authz gRPC: the header in more than one place', () => {
    const send = (http: Record<string, unknown>) => grpcClientOf(sc).check(checkRequest('DELETE', '/api/orders/1', [], http));
    const refused = (out: Awaited<ReturnType<typeof send>>) => {
      assert.ok('response' in out, JSON.stringify(out));
      assert.equal(out.response['status']?.code, 3, 'INVALID_ARGUMENT');
      assert.equal(out.response['ok_response'], undefined);
      assert.equal(out.response['denied_response']?.status?.code, 400);
      assert.match(JSON.parse(out.response['denied_response'].body).message, /Authorization/);
    };
    it('refuses two authorization entries in header_map (encode_raw_headers)', async () => {
      refused(await send({ header_map: { headers: [{ key: 'authorization', raw_value: Buffer.from(`Bearer ${viewer}`) }, { key: 'authorization', raw_value: Buffer.from(`Bearer ${admin}`) }] } }));
    });
    it('refuses different values in headers and header_map', async () => {
      refused(await send({ headers: { authorization: `Bearer ${viewer}` }, header_map: { headers: [{ key: 'authorization', value: `Bearer ${admin}` }] } }));
    });
    it('refuses a comma-joined value (how Envoy passes a repeated header in `headers`)', async () => {
      refused(await send({ headers: { authorization: `Bearer ${viewer},Bearer ${admin}` } }));
    });
    it('accepts the same single header in both places, and a header_map alone (the suite can fail)', async () => {
      for (const http of [
        { headers: { authorization: `Bearer ${admin}` }, header_map: { headers: [{ key: 'authorization', raw_value: Buffer.from(`Bearer ${admin}`) }] } },
        { headers: {}, header_map: { headers: [{ key: 'Authorization', raw_value: Buffer.from(`Bearer ${admin}`) }] } },
      ]) {
        const out = await send(http);
        assert.ok('response' in out);
        assert.equal(out.response['status']?.code ?? 0, 0, JSON.stringify(out.response));
      }
    });
  });
});
