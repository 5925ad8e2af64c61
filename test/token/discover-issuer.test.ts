import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { discoverIssuer, discoverWithRetry } from '../../src/token/discover-issuer.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { rejectsWithCode } from '../helpers/rejects-with-code.ts';
import { sendJson, startLocalServer, unusedPort, type LocalServer } from '../helpers/local-http.ts';

const WELL_KNOWN = '/.well-known/openid-configuration';

function rejectsWith(promise: Promise<unknown>, message?: RegExp): Promise<SidecarError> {
  return rejectsWithCode(promise, 'discovery_error', 503, message);
}

describe('discoverIssuer', () => {
  /** What the server answers at a path; set per test. */
  const routes = new Map<string, (res: ServerResponse) => void>();
  let server: LocalServer;
  let issuer: string;

  before(async () => {
    server = await startLocalServer((req, res) => {
      const route = routes.get(new URL(req.url!, 'http://x').pathname);
      if (route) route(res);
      else sendJson(res, 404, { error: 'not_found' });
    });
    issuer = server.origin;
  });
  after(() => server.close());

  const doc = (iss: string, extra: Record<string, unknown> = {}) => ({
    issuer: iss,
    jwks_uri: `${iss}/jwks`,
    userinfo_endpoint: `${iss}/userinfo`,
    ...extra,
  });
  const serve = (path: string, status: number, body: unknown, contentType?: string) =>
    routes.set(path, (res) => sendJson(res, status, body, contentType));

  test('returns jwks_uri and userinfo_endpoint of a matching document', async () => {
    serve(WELL_KNOWN, 200, doc(issuer, { introspection_endpoint: `${issuer}/introspect` }));
    const meta = await discoverIssuer(issuer, 300);
    assert.deepEqual(meta, {
      issuer,
      jwksUri: `${issuer}/jwks`,
      userinfoEndpoint: `${issuer}/userinfo`,
      introspectionEndpoint: `${issuer}/introspect`,
      tokenEndpoint: undefined,
    });
  });

  test('an issuer with a path is discovered under that path', async () => {
    const realm = `${issuer}/realms/demo`;
    serve(`/realms/demo${WELL_KNOWN}`, 200, doc(realm));
    assert.equal((await discoverIssuer(realm, 300)).jwksUri, `${realm}/jwks`);
  });

  test('an issuer with a trailing slash is discovered without a double slash and compared verbatim', async () => {
    const slashed = `${issuer}/tenant/`;
    serve(`/tenant${WELL_KNOWN}`, 200, { issuer: slashed, jwks_uri: `${issuer}/tenant/jwks` });
    assert.equal((await discoverIssuer(slashed, 300)).issuer, slashed);
  });

  test('application/json with a charset is accepted', async () => {
    serve(WELL_KNOWN, 200, doc(issuer), 'application/json; charset=utf-8');
    await discoverIssuer(issuer, 300);
  });

  test('userinfo and introspection endpoints are optional', async () => {
    serve(WELL_KNOWN, 200, { issuer, jwks_uri: `${issuer}/jwks` });
    const meta = await discoverIssuer(issuer, 300);
    assert.equal(meta.userinfoEndpoint, undefined);
    assert.equal(meta.introspectionEndpoint, undefined);
  });

  test('a document naming another issuer is refused, naming both and what to set', async () => {
    serve(WELL_KNOWN, 200, doc('https://evil.example.com'));
    const err = await rejectsWith(discoverIssuer(issuer, 300));
    assert.ok(err.message.includes(`names issuer 'https://evil.example.com', but the configured issuer is '${issuer}'`), err.message);
    assert.match(err.message, /set issuer \(AUTHZ_ISSUER\) to the discovery document's value/);
    assert.doesNotMatch(err.message, /trailing slash/);
  });

  test('a document whose issuer differs only by a trailing slash is refused, saying so', async () => {
    serve(WELL_KNOWN, 200, doc(`${issuer}/`));
    await rejectsWith(discoverIssuer(issuer, 300), /names issuer '.*\/', but the configured issuer is '.*' \(they differ only by the trailing slash\)/);
  });

  test('a document without issuer is refused', async () => {
    serve(WELL_KNOWN, 200, { jwks_uri: `${issuer}/jwks` });
    await rejectsWith(discoverIssuer(issuer, 300));
  });

  test('a non-JSON content type is refused', async () => {
    serve(WELL_KNOWN, 200, JSON.stringify(doc(issuer)), 'text/html');
    await rejectsWith(discoverIssuer(issuer, 300), /content-type 'text\/html'/);
  });

  test('a missing content type is refused', async () => {
    routes.set(WELL_KNOWN, (res) => {
      res.writeHead(200);
      res.end(JSON.stringify(doc(issuer)));
    });
    await rejectsWith(discoverIssuer(issuer, 300), /not JSON/);
  });

  for (const status of [500, 404, 503]) {
    test(`a ${status} answer is refused, naming the status`, async () => {
      serve(WELL_KNOWN, status, doc(issuer));
      await rejectsWith(discoverIssuer(issuer, 300), new RegExp(`answered ${status}`));
    });
  }

  test('a redirect is not followed', async () => {
    serve('/elsewhere', 200, doc(issuer));
    routes.set(WELL_KNOWN, (res) => {
      res.writeHead(302, { location: `${issuer}/elsewhere` });
      res.end();
    });
    const before = server.requestCount('/elsewhere');
    await rejectsWith(discoverIssuer(issuer, 300), /answered 302/);
    assert.equal(server.requestCount('/elsewhere'), before);
  });

  test('malformed JSON is refused', async () => {
    serve(WELL_KNOWN, 200, '{"issuer": ');
    await rejectsWith(discoverIssuer(issuer, 300), /malformed JSON/);
  });

  test('JSON that is not an object is refused', async () => {
    serve(WELL_KNOWN, 200, 'null');
    await rejectsWith(discoverIssuer(issuer, 300));
    serve(WELL_KNOWN, 200, '"issuer"');
    await rejectsWith(discoverIssuer(issuer, 300));
    serve(WELL_KNOWN, 200, [issuer]);
    await rejectsWith(discoverIssuer(issuer, 300));
  });

  test('a document larger than 1 MiB is refused', async () => {
    serve(WELL_KNOWN, 200, doc(issuer, { padding: 'x'.repeat(1024 * 1024) }));
    await rejectsWith(discoverIssuer(issuer, 300), /larger than/);
  });

  test('a missing or non-string jwks_uri is refused by name', async () => {
    serve(WELL_KNOWN, 200, { issuer });
    await rejectsWith(discoverIssuer(issuer, 300), /'jwks_uri'/);
    serve(WELL_KNOWN, 200, { issuer, jwks_uri: 42 });
    await rejectsWith(discoverIssuer(issuer, 300), /'jwks_uri'/);
  });

  test('an endpoint that is not a URL is refused by name', async () => {
    serve(WELL_KNOWN, 200, doc(issuer, { userinfo_endpoint: '/userinfo' }));
    await rejectsWith(discoverIssuer(issuer, 300), /'userinfo_endpoint'/);
  });

  test('https endpoints are accepted off loopback', async () => {
    serve(WELL_KNOWN, 200, doc(issuer, { jwks_uri: 'https://keys.example.com/jwks', userinfo_endpoint: 'https://idp.example.com/userinfo' }));
    const meta = await discoverIssuer(issuer, 300);
    assert.equal(meta.jwksUri, 'https://keys.example.com/jwks');
  });

  for (const [name, value] of [
    ['jwks_uri', 'http://keys.example.com/jwks'],
    ['userinfo_endpoint', 'http://idp.example.com/userinfo'],
    ['introspection_endpoint', 'http://10.0.0.1/introspect'],
    ['jwks_uri', 'ftp://127.0.0.1/jwks'],
  ] as const) {
    test(`plain http off loopback is refused for ${name} (${value})`, async () => {
      serve(WELL_KNOWN, 200, doc(issuer, { [name]: value }));
      await rejectsWith(discoverIssuer(issuer, 300), new RegExp(`'${name}' must be https`));
    });
  }

  test('plain http endpoints on loopback are accepted', async () => {
    serve(WELL_KNOWN, 200, doc(issuer, { jwks_uri: 'http://localhost:1/jwks', userinfo_endpoint: 'http://[::1]:1/userinfo' }));
    assert.equal((await discoverIssuer(issuer, 300)).userinfoEndpoint, 'http://[::1]:1/userinfo');
  });

  test('a server that does not answer fails within about the timeout', async () => {
    routes.set(WELL_KNOWN, () => undefined); // never answers
    const started = performance.now();
    await rejectsWith(discoverIssuer(issuer, 150));
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 1000, `took ${elapsed} ms`);
  });

  test('a refused connection is a discovery_error', async () => {
    const port = await unusedPort();
    await rejectsWith(
      discoverIssuer(`http://127.0.0.1:${port}`, 300),
      new RegExp(`issuer http://127\\.0\\.0\\.1:${port} is not reachable: .*ECONNREFUSED.*Check the issuer URL`),
    );
  });
});

describe('discoverWithRetry', () => {
  const servers: LocalServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  /** A discovery server answering 503 for the first `failures` requests, then the document. */
  async function flakyServer(failures: number): Promise<LocalServer> {
    let seen = 0;
    const s = await startLocalServer((_req, res) => {
      seen++;
      if (seen <= failures) sendJson(res, 503, { error: 'starting' });
      else sendJson(res, 200, { issuer: s.origin, jwks_uri: `${s.origin}/jwks` });
    });
    servers.push(s);
    return s;
  }

  test('retries until the server answers, reporting each retry', async () => {
    const s = await flakyServer(3);
    const retries: Array<{ attempt: number; delayMs: number; code: string }> = [];
    const meta = await discoverWithRetry(s.origin, {
      timeoutMs: 300,
      retryInitialMs: 10,
      retryMaxMs: 40,
      onRetry: (attempt, delayMs, err) => retries.push({ attempt, delayMs, code: err.code }),
    });
    assert.equal(meta.jwksUri, `${s.origin}/jwks`);
    assert.equal(s.requestCount(WELL_KNOWN), 4);
    assert.deepEqual(retries.map((r) => r.attempt), [1, 2, 3]);
    assert.ok(retries.every((r) => r.code === 'discovery_error'));
  });

  test('delays double from retryInitialMs with jitter and never exceed retryMaxMs', async () => {
    const s = await flakyServer(6);
    const delays: number[] = [];
    await discoverWithRetry(s.origin, { timeoutMs: 300, retryInitialMs: 10, retryMaxMs: 40, onRetry: (_a, d) => delays.push(d) });
    const caps = [10, 20, 40, 40, 40, 40];
    assert.equal(delays.length, caps.length);
    delays.forEach((d, i) => assert.ok(d >= caps[i]! / 2 && d <= caps[i]!, `delay ${i} = ${d}, cap ${caps[i]}`));
  });

  test('comes up once a server starts listening on the issuer address', async () => {
    const port = await unusedPort();
    const issuer = `http://127.0.0.1:${port}`;
    let attemptsWhileDown = 0;
    const pending = discoverWithRetry(issuer, { timeoutMs: 300, retryInitialMs: 10, retryMaxMs: 30, onRetry: () => attemptsWhileDown++ });
    await sleep(120);
    const late = createServer((_req, res) => sendJson(res, 200, { issuer, jwks_uri: `${issuer}/jwks` }));
    let requests = 0;
    late.on('request', () => requests++);
    await new Promise<void>((resolve) => late.listen(port, '127.0.0.1', resolve));
    try {
      const meta = await pending;
      assert.equal(meta.issuer, issuer);
      assert.ok(attemptsWhileDown >= 2, `only ${attemptsWhileDown} failed attempts before the server started`);
      assert.equal(requests, 1);
    } finally {
      late.closeAllConnections();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });

  test('stops retrying once the signal aborts', async () => {
    const s = await flakyServer(Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    const pending = discoverWithRetry(s.origin, { timeoutMs: 300, retryInitialMs: 10, retryMaxMs: 20, signal: controller.signal });
    await sleep(100);
    controller.abort();
    await assert.rejects(pending);
    const count = s.requestCount(WELL_KNOWN);
    assert.ok(count >= 2, `only ${count} attempts before abort`);
    await sleep(100);
    assert.equal(s.requestCount(WELL_KNOWN), count, 'kept retrying after abort');
  });

  test('an abort during a long backoff ends the wait at once', async () => {
    const s = await flakyServer(Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    const pending = discoverWithRetry(s.origin, { timeoutMs: 300, retryInitialMs: 10000, retryMaxMs: 10000, signal: controller.signal });
    await sleep(50);
    const started = performance.now();
    controller.abort();
    await assert.rejects(pending);
    assert.ok(performance.now() - started < 200);
    assert.equal(s.requestCount(WELL_KNOWN), 1);
  });
});
