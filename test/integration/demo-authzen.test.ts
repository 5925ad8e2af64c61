import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runDemo } from '../../src/demo/run-demo.ts';
import { requestDemoToken } from '../../src/demo/request-token.ts';
import { tempDir } from '../helpers/bundles.ts';

/** What the README shows against the demo: its AuthZEN metadata, and a batch with each semantic. */
test('the demo answers AuthZEN: metadata, and a batch with each evaluations_semantic, as the README shows', async () => {
  const demo = await runDemo({ idpPort: 0, env: { AUTHZ_LISTEN: '127.0.0.1:0', AUTHZ_DECISION_LOG: join(tempDir(), 'd.log') } });
  try {
    const meta = (await (await fetch(`${demo.url}/.well-known/authzen-configuration`)).json()) as Record<string, string>;
    assert.deepEqual(meta, {
      policy_decision_point: demo.url,
      access_evaluation_endpoint: `${demo.url}/access/v1/evaluation`,
      access_evaluations_endpoint: `${demo.url}/access/v1/evaluations`,
    });
    const bob = await requestDemoToken(demo.idp.issuer, 'bob');
    const decisions: Record<string, boolean[]> = {};
    for (const semantic of ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit']) {
      const res = await fetch(`${demo.url}/access/v1/evaluations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bob}` },
        body: JSON.stringify({
          subject: { type: 'user', id: 'bob' },
          action: { name: 'GET' },
          options: { evaluations_semantic: semantic },
          evaluations: [
            { resource: { type: 'route', id: '/api/orders/1' } },
            { action: { name: 'DELETE' }, resource: { type: 'route', id: '/api/orders/1' } },
            { resource: { type: 'route', id: '/api/orders/2' } },
          ],
        }),
      });
      assert.equal(res.status, 200);
      decisions[semantic] = ((await res.json()) as { evaluations: { decision: boolean }[] }).evaluations.map((e) => e.decision);
    }
    assert.deepEqual(decisions, { execute_all: [true, false, true], deny_on_first_deny: [true, false], permit_on_first_permit: [true] });
  } finally {
    await demo.stop();
  }
});
