import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';

it('examples/orders-service allows, denies, and fails closed when its sidecar is gone', async () => {
  const { idp, sc, close } = await withSidecar();
  const child = spawn(process.execPath, [join(ROOT, 'examples/orders-service/server.ts')], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', AUTHZ_SIDECAR_URL: sc.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const [line] = (await once(child.stderr!, 'data')) as [Buffer];
    const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(line.toString())![1]!;
    const bob = { authorization: `Bearer ${await idp.token('bob')}` };
    const ok = await fetch(`${url}/api/orders/1`, { headers: bob });
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { decision_id: string }).decision_id, /^[0-9a-f-]{36}$/);
    assert.equal((await fetch(`${url}/api/orders/1`, { method: 'DELETE', headers: bob })).status, 403);
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'routes outside /api need no token');
    await sc.stop();
    const down = await fetch(`${url}/api/orders/1`, { headers: bob });
    assert.equal(down.status, 503, 'the sidecar is down: denied');
  } finally {
    child.kill('SIGTERM');
    await close();
  }
});
