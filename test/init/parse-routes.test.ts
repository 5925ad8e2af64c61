import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { grantMatches, parseRoute, roleGrants } from '../../src/init/parse-routes.ts';

describe('init routes', () => {
  it('parses "<METHODS> <path> <role>"', () => {
    assert.deepEqual(parseRoute('get,HEAD /api/orders/** orders-viewer'), { methods: ['GET', 'HEAD'], path: '/api/orders/**', role: 'orders-viewer' });
    assert.deepEqual(parseRoute('  *   /api/**   admin '), { methods: ['*'], path: '/api/**', role: 'admin' });
  });

  it('refuses what the policy would not match as written, saying why', () => {
    for (const [route, why] of [
      ['GET /api/orders', /expected "<METHODS> <path> <role>"/],
      ['GET api/orders viewer', /must start with \//],
      ['G3T /api viewer', /letters only/],
      ['*,GET /api viewer', /\* already means every method/],
      ['GET /api/*/orders viewer', /may end in \/\*\* and hold no other/],
      ['GET /api/../admin viewer', /may end in \/\*\* and hold no other/],
      ['GET /api/** bad"role', /role 'bad"role' may hold/],
    ] as const) {
      assert.throws(() => parseRoute(route), (err: Error) => err instanceof TypeError && why.test(err.message), route);
    }
  });

  it('matches as rego/authz/policy.rego does: /** covers itself and below by whole segments; other paths are exact', () => {
    const g = parseRoute('GET /api/orders/** viewer');
    assert.equal(grantMatches(g, 'GET', '/api/orders'), true);
    assert.equal(grantMatches(g, 'GET', '/api/orders/1/items'), true);
    assert.equal(grantMatches(g, 'GET', '/api/ordersX'), false);
    assert.equal(grantMatches(g, 'DELETE', '/api/orders/1'), false);
    assert.equal(grantMatches(parseRoute('* /health viewer'), 'POST', '/health'), true);
    assert.equal(grantMatches(parseRoute('* /health viewer'), 'GET', '/health/x'), false);
  });

  it('groups grants by role, in order', () => {
    assert.deepEqual(roleGrants(['GET /a/** r1', 'POST /b r2', 'DELETE /a/** r1'].map(parseRoute)), {
      r1: [{ methods: ['GET'], path: '/a/**' }, { methods: ['DELETE'], path: '/a/**' }],
      r2: [{ methods: ['POST'], path: '/b' }],
    });
  });
});
