import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { startServer } from '../../src/http/start-server.ts';
import { loadConfig } from '../../src/config/load-config.ts';

it('close() finishes while a keep-alive client keeps sending on its open connection (regression: SIGTERM hung under proxy load, so the decision log was never flushed)', { timeout: 20_000 }, async () => {
  const config = loadConfig({ env: {}, base: { issuer: 'https://idp.example', listen: '127.0.0.1:0' } });
  const server = await startServer((_req, res) => void setTimeout(() => res.end('ok'), 2), config);
  // One keep-alive connection, reused for every request, as a proxy's upstream pool does.
  const client = new Pool(server.url, { connections: 1, pipelining: 1 });
  let answered = 0;
  let stopped: unknown;
  const sender = (async () => {
    for (;;) {
      try {
        const res = await client.request({ path: '/', method: 'GET' });
        await res.body.text();
        answered++;
      } catch (err) {
        stopped = err;
        return;
      }
    }
  })();
  try {
    while (answered < 20) await new Promise((r) => setTimeout(r, 5));
    const outcome = await Promise.race([server.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open after 5 s'), 5000).unref())]);
    assert.equal(outcome, 'closed');
    await sender;
    assert.ok(stopped, 'the client was refused once its connection was closed');
  } finally {
    await client.destroy();
    server.server.closeAllConnections();
  }
});
