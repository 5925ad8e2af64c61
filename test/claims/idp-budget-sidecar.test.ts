import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { claimsSetup, type ClaimsSetup } from '../helpers/claims-setup.ts';

const del = { method: 'DELETE', path: '/api/orders/1' };

describe('the IdP call budget through the sidecar (defaults: 5 per minute per subject, burst 10)', () => {
  let s: ClaimsSetup;
  before(async () => {
    // The claims cache off, so that every request would call userinfo: only the budget stands between them.
    s = await claimsSetup({ 'claims.cacheTtlSeconds': 0, 'claims.breaker.failureThreshold': 1000 });
  });
  after(() => s.close());

  it('lets 10 calls about one subject through, then answers 503 claims_unavailable with Retry-After (a deny) without calling the IdP', async () => {
    s.idp.users.set('busy', { roles: ['admin'] });
    const token = await s.idp.token({ sub: 'busy' });
    for (let i = 0; i < 10; i++) assert.equal((await s.sc.authorize(token, del)).body.allow, true, `call ${i + 1}`);
    const refused = await s.sc.authorize(token, del);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'claims_unavailable');
    assert.notEqual(refused.body.allow, true);
    assert.equal(refused.headers.get('retry-after'), '12', 'one call comes back after 60 / 5 s');
    assert.equal(s.idp.calls.userinfo.get('busy'), 10);
    assert.match(await (await fetch(`${s.sc.url}/metrics`)).text(), /authz_idp_budget_refusals_total\{endpoint="userinfo"\} 1/);
    s.advance(12);
    assert.equal((await s.sc.authorize(token, del)).body.allow, true, 'allowed again once the bucket refilled');
    assert.equal(s.idp.calls.userinfo.get('busy'), 11);
  });

  it("honours an IdP 429's Retry-After: no userinfo call for any subject until it has passed", async () => {
    s.idp.userinfo = ({ res }) => void res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' }).end('{"error":"too_many_requests"}');
    try {
      const first = await s.sc.authorize(await s.idp.token({ sub: 'limited-1' }), del);
      assert.equal(first.status, 503);
      assert.equal(first.headers.get('retry-after'), '30');
      const before = s.idp.total('userinfo');
      const second = await s.sc.authorize(await s.idp.token({ sub: 'limited-2' }), del);
      assert.equal(second.status, 503);
      assert.equal(second.body.code, 'claims_unavailable');
      assert.equal(s.idp.total('userinfo'), before, 'the paused endpoint was not called');
    } finally {
      s.idp.userinfo = undefined;
    }
    s.advance(30);
    s.idp.users.set('limited-2', { roles: ['admin'] });
    assert.equal((await s.sc.authorize(await s.idp.token({ sub: 'limited-2' }), del)).body.allow, true);
  });
});
