import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runDemo } from '../../src/demo/run-demo.ts';
import { requestDemoToken } from '../../src/demo/request-token.ts';
import { tempDir } from '../helpers/bundles.ts';

describe('the demo', () => {
  it('answers POST /v1/data/authz/decision for its sample policy, with the subject from the token', async () => {
    const demo = await runDemo({ idpPort: 0, env: { AUTHZ_LISTEN: '127.0.0.1:0', AUTHZ_DECISION_LOG: join(tempDir(), 'd.log') } });
    try {
      const res = await fetch(`${demo.url}/v1/data/authz/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await requestDemoToken(demo.idp.issuer, 'bob')}` },
        body: JSON.stringify({ input: { request: { method: 'GET', path: '/api/orders/1' } } }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { result: unknown; decision_id: string };
      assert.deepEqual(body.result, { allow: true, reasons: ['role orders-viewer (direct) allows GET /api/orders/**'] });
    } finally {
      await demo.stop();
    }
  });
});
