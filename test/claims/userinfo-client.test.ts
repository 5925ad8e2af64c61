import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createUserinfoClient, type ClaimsClient, type UserinfoOptions } from '../../src/claims/userinfo-client.ts';
import { createIdpPool } from '../../src/claims/idp-pool.ts';
import { SidecarError, type ErrorCode } from '../../src/errors/sidecar-error.ts';
import { rejectsWithCode } from '../helpers/rejects-with-code.ts';
import { sendJson, startLocalServer, unusedPort, type LocalServer } from '../helpers/local-http.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';

describe('createUserinfoClient', () => {
  /** The userinfo endpoint's behaviour, set per test. */
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => sendJson(res, 200, { sub: 'alice' });
  let server: LocalServer;
  const clients: ClaimsClient[] = [];

  before(async () => {
    server = await startLocalServer((req, res) => handler(req, res));
  });
  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });

  // Timeouts of cases meant to succeed leave hundreds of ms of margin for a loaded 2-core machine.
  function client(overrides: Partial<UserinfoOptions> = {}): ClaimsClient {
    const c = createUserinfoClient({
      endpoint: `${server.origin}/userinfo`,
      connectTimeoutMs: 1000,
      headersTimeoutMs: 1000,
      bodyTimeoutMs: 1000,
      maxResponseBytes: 4096,
      connections: 4,
      ...overrides,
    });
    clients.push(c);
    return c;
  }

  function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<SidecarError> {
    return rejectsWithCode(promise, code, code === 'claims_rejected' ? 401 : 503, message);
  }

  test('returns the claims of a 200 JSON answer, and its size in bytes', async () => {
    const claims = { sub: 'alice', name: 'Ålice', roles: ['admin'], realm_access: { roles: ['x'] } };
    handler = (_req, res) => sendJson(res, 200, claims);
    const got = await client().fetch(TOKEN);
    assert.deepEqual(got.claims, claims);
    assert.equal(got.bytes, Buffer.byteLength(JSON.stringify(claims)), 'bytes, not UTF-16 characters');
  });

  test('accepts application/json with a charset, in any letter case', async () => {
    handler = (_req, res) => sendJson(res, 200, { sub: 'alice' }, 'Application/JSON; charset=utf-8');
    assert.deepEqual((await client().fetch(TOKEN)).claims, { sub: 'alice' });
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

  test('a signed (application/jwt) answer is claims_unavailable when no verifier is configured', async () => {
    handler = (_req, res) => sendJson(res, 200, 'eyJ.eyJ.sig', 'application/jwt');
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /signed/);
  });

  test('with a verifier, asks for JSON or JWT and hands it the trimmed signed answer; its refusal passes through', async () => {
    let accept: string | undefined;
    handler = (req, res) => {
      accept = req.headers.accept;
      sendJson(res, 200, 'eyJ.eyJ.sig\r\n', 'application/jwt');
    };
    const seen: string[] = [];
    const ok = client({ verifySigned: async (jwt) => (seen.push(jwt), { sub: 'alice', signed: true }) });
    assert.deepEqual((await ok.fetch(TOKEN)).claims, { sub: 'alice', signed: true });
    assert.deepEqual(seen, ['eyJ.eyJ.sig']);
    assert.equal(accept, 'application/json, application/jwt');
    const refusal = new SidecarError('claims_unavailable', 'signed userinfo failed verification');
    const bad = client({ verifySigned: () => Promise.reject(refusal) });
    await assert.rejects(bad.fetch(TOKEN), (err) => err === refusal);
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
    await rejectsWith(client().fetch(TOKEN), 'claims_unavailable', /request failed/);
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
    const got = await client({ maxResponseBytes: 1024 }).fetch(TOKEN);
    assert.equal(got.claims['sub'], 'alice');
    assert.equal(got.bytes, 1024);
  });

  test('regression (headersTimeoutMs honoured exactly): a slow server is cut by the headers timer, not undici\'s ~0.5 s tick or the overall deadline', async () => {
    // The server never answers in time. What fired is read from the cause, not from a stopwatch:
    // the sidecar's own headers timer (connect + headers time) names itself; undici's headers
    // timeout (UND_ERR_HEADERS_TIMEOUT) and the overall deadline (5.2 s here) do not.
    handler = (_req, res) => {
      const t = setTimeout(() => sendJson(res, 200, { sub: 'alice' }), 10_000);
      res.on('close', () => clearTimeout(t));
    };
    const err = await rejectsWith(client({ connectTimeoutMs: 50, headersTimeoutMs: 150, bodyTimeoutMs: 5000 }).fetch(TOKEN), 'claims_unavailable', /timed out/);
    assert.match(String((err.cause as Error | undefined)?.message), /response headers timed out/);
  });

  test('a body that stalls longer than bodyTimeoutMs is claims_unavailable', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"sub":');
      const t = setTimeout(() => res.end('"alice"}'), 10_000);
      res.on('close', () => clearTimeout(t));
    };
    await rejectsWith(client({ connectTimeoutMs: 50, headersTimeoutMs: 200, bodyTimeoutMs: 150 }).fetch(TOKEN), 'claims_unavailable', /timed out/);
  });

  test('a body trickling below every per-chunk timeout still ends at the overall deadline', { timeout: 10_000 }, async () => {
    // One byte every 20 ms: no per-chunk timeout fires, and without the overall deadline (50 + 200
    // + 200 ms) the 4 KiB cap would end it only after ~80 s, as "too large".
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"pad":"');
      const timer = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(timer));
    };
    await rejectsWith(client({ connectTimeoutMs: 50, headersTimeoutMs: 200, bodyTimeoutMs: 200 }).fetch(TOKEN), 'claims_unavailable', /timed out/);
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
    handler = (_req, res) => void setTimeout(() => sendJson(res, 200, { sub: 'alice' }), 20);
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
    assert.deepEqual((await c.fetch(TOKEN)).claims, { sub: 'alice' });
  });

  test('error messages never echo the token', async () => {
    handler = (_req, res) => sendJson(res, 401, { error: TOKEN });
    const err = await rejectsWith(client().fetch(TOKEN), 'claims_rejected');
    assert.ok(!err.message.includes(TOKEN));
  });
});

describe('createIdpPool', () => {
  test('sends the method, headers and body it is given, and reports status, bare media type and byte size', async () => {
    let seen: { method?: string; type?: string; body?: string } = {};
    const server = await startLocalServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { method: req.method, type: req.headers['content-type'], body: Buffer.concat(chunks).toString() };
        sendJson(res, 418, { é: 1 }, 'Application/Problem+JSON; charset=utf-8');
      });
    });
    const pool = createIdpPool(`${server.origin}/introspect`, { connectTimeoutMs: 1000, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, maxResponseBytes: 4096, connections: 1 });
    try {
      const res = await pool.request('test', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=a' });
      assert.deepEqual(seen, { method: 'POST', type: 'application/x-www-form-urlencoded', body: 'token=a' });
      assert.deepEqual(res, { status: 418, type: 'application/problem+json', text: '{"é":1}', bytes: 8 });
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test('regression (WeakRefs per IdP call): a call uses neither AbortSignal.timeout nor AbortSignal.any, whose FinalizationRegistry cells and WeakRefs outlive it until a full GC, and leaves no timer behind', async (t) => {
    const server = await startLocalServer((_req, res) => sendJson(res, 200, { sub: 'alice' }));
    const pool = createIdpPool(`${server.origin}/userinfo`, { connectTimeoutMs: 60_000, headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000, maxResponseBytes: 4096, connections: 2 });
    const timeout = t.mock.method(AbortSignal, 'timeout');
    const any = t.mock.method(AbortSignal, 'any');
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    try {
      await pool.request('userinfo', { method: 'GET', headers: {} }); // connections and undici's own timers are made once
      const before = timers();
      for (let i = 0; i < 50; i++) assert.equal((await pool.request('userinfo', { method: 'GET', headers: {} })).status, 200);
      assert.equal(timeout.mock.callCount() + any.mock.callCount(), 0);
      assert.equal(timers(), before, "each call's deadline timers are cleared when it ends");
    } finally {
      await pool.close();
      await server.close();
    }
  });
});
