import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createUserinfoClient, type UserinfoClient, type UserinfoOptions } from '../../src/claims/userinfo-client.ts';
import { SidecarError, type ErrorCode } from '../../src/errors/sidecar-error.ts';
import { sendJson, startLocalServer, unusedPort, type LocalServer } from '../helpers/local-http.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';

describe('createUserinfoClient', () => {
  /** The userinfo endpoint's behaviour, set per test. */
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => sendJson(res, 200, { sub: 'alice' });
  let server: LocalServer;
  const clients: UserinfoClient[] = [];

  before(async () => {
    server = await startLocalServer((req, res) => handler(req, res));
  });
  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });

  function client(overrides: Partial<UserinfoOptions> = {}): UserinfoClient {
    const c = createUserinfoClient({
      endpoint: `${server.origin}/userinfo`,
      connectTimeoutMs: 200,
      headersTimeoutMs: 200,
      bodyTimeoutMs: 200,
      maxResponseBytes: 4096,
      connections: 4,
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<SidecarError> {
    let caught: unknown;
    try {
      await promise;
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof SidecarError, `expected SidecarError, got ${String(caught)}`);
    assert.equal(caught.code, code, caught.message);
    assert.equal(caught.status, code === 'claims_rejected' ? 401 : 503);
    if (message) assert.match(caught.message, message);
    return caught;
  }

  test('returns the claims of a 200 JSON answer', async () => {
    handler = (_req, res) => sendJson(res, 200, { sub: 'alice', roles: ['admin'], realm_access: { roles: ['x'] } });
    assert.deepEqual(await client().fetch(TOKEN), { sub: 'alice', roles: ['admin'], realm_access: { roles: ['x'] } });
  });

  test('accepts application/json with a charset', async () => {
    handler = (_req, res) => sendJson(res, 200, { sub: 'alice' }, 'application/json; charset=utf-8');
    assert.deepEqual(await client().fetch(TOKEN), { sub: 'alice' });
  });

  test('sends the caller\'s token as the bearer token, asks for JSON, with GET on the endpoint path and query', async () => {
    let seen: { method?: string; url?: string; authorization?: string; accept?: string } = {};
    handler = (req, res) => {
      seen = { method: req.method, url: req.url, authorization: req.headers.authorization, accept: req.headers.accept };
      sendJson(res, 200, { sub: 'alice' });
    };
    await client({ endpoint: `${server.origin}/realms/demo/userinfo?tenant=a` }).fetch(TOKEN);
    assert.deepEqual(seen, { method: 'GET', url: '/realms/demo/userinfo?tenant=a', authorization: `Bearer ${TOKEN}`, accept: 'application/json' });
  });

  for (const status of [401, 403]) {
    test(`${status} is claims_rejected (the IdP refused the token)`, async () => {
      handler = (_req, res) => sendJson(res, status, { error: 'invalid_token' });
      await rejectsWith(client().fetch(TOKEN), 'claims_rejected', new RegExp(String(status)));
    });
  }

  for (const status of [500, 502, 503, 404, 204]) {
    test(`${status} is claims_unavailable`, async () => {
      handler = (_req, res) => {
        if (status === 204) {
          res.writeHead(204);
          res.end();
        } else sendJson(res, status, { error: 'x' });
      };
      await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', new RegExp(`answered ${status}`));
    });
  }

  test('302 is claims_unavailable and the redirect is not followed', async () => {
    handler = (req, res) => {
      if (req.url === '/elsewhere') return sendJson(res, 200, { sub: 'alice' });
      res.writeHead(302, { location: `${server.origin}/elsewhere` });
      res.end();
    };
    const before = server.requestCount('/elsewhere');
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /302/);
    assert.equal(server.requestCount('/elsewhere'), before);
  });

  test('200 with text/html is claims_unavailable', async () => {
    handler = (_req, res) => sendJson(res, 200, '<html>login</html>', 'text/html');
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /text\/html/);
  });

  test('200 without a content type is claims_unavailable', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.end('{"sub":"alice"}');
    };
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /not JSON/);
  });

  test('a signed (application/jwt) answer is claims_unavailable', async () => {
    handler = (_req, res) => sendJson(res, 200, 'eyJ.eyJ.sig', 'application/jwt');
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /signed/);
  });

  test('syntactically truncated JSON is claims_unavailable', async () => {
    handler = (_req, res) => sendJson(res, 200, '{"sub":"alice","roles":["adm');
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /malformed/);
  });

  test('a body cut short of its content-length is claims_unavailable', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
      res.write('{"sub":"alice",');
      setTimeout(() => res.socket?.destroy(), 10);
    };
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable');
  });

  for (const body of ['[{"sub":"alice"}]', 'null', '"alice"', '42']) {
    test(`JSON that is not an object (${body}) is claims_unavailable`, async () => {
      handler = (_req, res) => sendJson(res, 200, body);
      await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /not an object/);
    });
  }

  test('a body larger than maxResponseBytes is claims_unavailable (with content-length)', async () => {
    handler = (_req, res) => sendJson(res, 200, { sub: 'alice', roles: Array.from({ length: 1000 }, (_, i) => `role-${i}`) });
    await rejectsWith(client({ maxResponseBytes: 1024 }).fetch(TOKEN), 'claims_unavailable', /too large/);
  });

  test('a chunked body larger than maxResponseBytes is claims_unavailable', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"sub":"alice","roles":[');
      for (let i = 0; i < 200; i++) res.write(`"role-${i}",`);
      res.end('"last"]}');
    };
    await rejectsWith(client({ maxResponseBytes: 1024 }).fetch(TOKEN), 'claims_unavailable', /too large/);
  });

  test('a body of exactly maxResponseBytes is accepted', async () => {
    const base = JSON.stringify({ sub: 'alice', pad: '' });
    const body = JSON.stringify({ sub: 'alice', pad: 'x'.repeat(1024 - base.length) });
    assert.equal(Buffer.byteLength(body), 1024);
    handler = (_req, res) => sendJson(res, 200, body);
    assert.equal((await client({ maxResponseBytes: 1024 }).fetch(TOKEN))['sub'], 'alice');
  });

  test('a server slower than headersTimeoutMs is claims_unavailable within about the timeout', async () => {
    // undici's own headers timer ticks every ~0.5 s; the answer must not wait for that tick or for
    // the overall deadline (50 + 150 + 1000 ms), only for connect + headers time (200 ms).
    handler = (_req, res) => setTimeout(() => sendJson(res, 200, { sub: 'alice' }), 1500).unref();
    const started = performance.now();
    await rejectsWith(client({ connectTimeoutMs: 50, headersTimeoutMs: 150, bodyTimeoutMs: 1000 }).fetch(TOKEN), 'claims_unavailable', /timed out/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 400, `took ${elapsed} ms`);
  });

  test('a body that stalls longer than bodyTimeoutMs is claims_unavailable', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"sub":');
      setTimeout(() => res.end('"alice"}'), 1000).unref();
    };
    const started = performance.now();
    await rejectsWith(client({ connectTimeoutMs: 50, headersTimeoutMs: 50, bodyTimeoutMs: 150 }).fetch(TOKEN), 'claims_unavailable', /timed out/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 500, `took ${elapsed} ms`);
  });

  test('a body trickling below every per-chunk timeout still ends at the overall deadline', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"pad":"');
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        res.write('x');
      }, 20);
      timer.unref();
      res.on('close', () => clearInterval(timer));
    };
    const started = performance.now();
    // deadline = 50 + 50 + 100 ms
    await rejectsWith(client({ connectTimeoutMs: 50, headersTimeoutMs: 50, bodyTimeoutMs: 100 }).fetch(TOKEN), 'claims_unavailable', /timed out/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 180 && elapsed < 600, `took ${elapsed} ms`);
  });

  test('a connection reset by the server is claims_unavailable', async () => {
    handler = (req) => req.socket.destroy();
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /request failed/);
  });

  test('a refused connection is claims_unavailable', async () => {
    const c = client({ endpoint: `http://127.0.0.1:${await unusedPort()}/userinfo` });
    await rejectsWith(c.fetch(TOKEN), 'claims_unavailable', /request failed/);
  });

  test('keep-alive reuses connections: 20 sequential requests open at most 2', async () => {
    // undici may open a second connection while the first is still being released; never more.
    handler = (_req, res) => sendJson(res, 200, { sub: 'alice' });
    const c = client({ connections: 4 });
    const before = server.connections;
    for (let i = 0; i < 20; i++) await c.fetch(TOKEN);
    assert.ok(server.connections - before <= 2, `${server.connections - before} connections`);
  });

  test('keep-alive with one pooled connection uses exactly one', async () => {
    handler = (_req, res) => sendJson(res, 200, { sub: 'alice' });
    const c = client({ connections: 1 });
    const before = server.connections;
    for (let i = 0; i < 10; i++) await c.fetch(TOKEN);
    assert.equal(server.connections - before, 1);
  });

  test('the connection is reused after a refused token too', async () => {
    let n = 0;
    handler = (_req, res) => (++n % 2 ? sendJson(res, 401, { error: 'invalid_token' }) : sendJson(res, 200, { sub: 'alice' }));
    const c = client({ connections: 1 });
    const before = server.connections;
    for (let i = 0; i < 6; i++) await c.fetch(TOKEN).catch(() => undefined);
    assert.equal(n, 6);
    assert.equal(server.connections - before, 1);
  });

  test('concurrent requests open at most `connections` connections', async () => {
    handler = (_req, res) => setTimeout(() => sendJson(res, 200, { sub: 'alice' }), 20);
    const c = client({ connections: 2 });
    const before = server.connections;
    await Promise.all(Array.from({ length: 8 }, () => c.fetch(TOKEN)));
    assert.equal(server.connections - before, 2);
  });

  test('a failed request is followed by a working one on the same client', async () => {
    const c = client();
    handler = (req) => req.socket.destroy();
    await rejectsWith(c.fetch(TOKEN), 'claims_unavailable');
    handler = (_req, res) => sendJson(res, 200, { sub: 'alice' });
    assert.deepEqual(await c.fetch(TOKEN), { sub: 'alice' });
  });

  test('error messages never echo the token', async () => {
    handler = (_req, res) => sendJson(res, 401, { error: TOKEN });
    const err = await rejectsWith(client().fetch(TOKEN), 'claims_rejected');
    assert.ok(!err.message.includes(TOKEN));
  });
});
