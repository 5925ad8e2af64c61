import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPAClient } from '@open-policy-agent/opa';
import type { TestIdp } from '../helpers/test-idp.ts';
import type { TestSidecar } from '../helpers/test-sidecar.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';

/**
 * The official OPA TypeScript SDK (@open-policy-agent/opa, formerly @styra/opa), unchanged,
 * pointed at the sidecar instead of an OPA server.
 */
describe('the official OPA client library calls the sidecar unchanged', () => {
  let idp: TestIdp, sc: TestSidecar, close: () => Promise<void>;
  before(async () => ({ idp, sc, close } = await withSidecar()));
  after(() => close());

  const request = { method: 'DELETE', path: '/api/orders/1' };

  it('evaluates a decision with the input the client builds, as against OPA', async () => {
    const opa = new OPAClient(sc.url);
    const allowed = await opa.evaluate('authz/decision', { subject: { roles: ['admin'] }, request });
    assert.deepEqual(allowed, { allow: true, reasons: ['role admin (direct) allows * /api/**'] });
    assert.equal(await opa.evaluate('authz/allow', { subject: { roles: ['orders-viewer'] }, request }), false);
    assert.deepEqual(await opa.evaluate('authz/decision/reasons', { subject: { roles: [] }, request }), [
      'no grant matches DELETE /api/orders/1',
      'subject has no role known to this policy',
    ]);
  });

  it('with a bearer token, the sidecar supplies the verified subject (roles from userinfo)', async () => {
    const asAlice = new OPAClient(sc.url, { headers: { authorization: `Bearer ${await idp.token('alice')}` } });
    const asBob = new OPAClient(sc.url, { headers: { authorization: `Bearer ${await idp.token('bob')}` } });
    assert.equal(await asAlice.evaluate('authz/allow', { request }), true);
    // Bob cannot claim admin through the input: the verified subject replaces input.subject.
    assert.equal(await asBob.evaluate('authz/allow', { request, subject: { roles: ['admin'] } }), false);
    assert.equal(await asBob.evaluate('authz/allow', { request: { method: 'GET', path: '/api/orders/1' } }), true);
  });

  it('returns undefined for an undefined document and rejects an invalid token', async () => {
    const opa = new OPAClient(sc.url);
    assert.equal(await opa.evaluate('authz/decision/no_such_key', { request }), undefined);
    const forged = new OPAClient(sc.url, { headers: { authorization: 'Bearer not.a.token' } });
    await assert.rejects(forged.evaluate('authz/allow', { request }));
  });
});
