import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAuthzClient, authzMiddleware, type AuthorizeResult } from '../../src/client/index.ts';
import type { TestIdp } from '../helpers/test-idp.ts';
import type { TestSidecar } from '../helpers/test-sidecar.ts';
import { withSidecar } from '../helpers/with-sidecar.ts';

/** A real loopback server that accepts and never answers: a hung sidecar. */
async function hungServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** A loopback port with nothing listening: a sidecar that is down. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

/** An example service: GET/DELETE /api/orders/:id behind the middleware. */
async function service(options: Parameters<typeof authzMiddleware>[0]): Promise<{ url: string; seen: AuthorizeResult[]; server: Server }> {
  const seen: AuthorizeResult[] = [];
  const app = express();
  app.use(authzMiddleware({ ...options, onDecision: (_req, r) => seen.push(r) }));
  app.all('/api/orders/:id', (req, res) => res.json({ order: req.params['id'] }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('authz-sidecar/client against a real sidecar', () => {
  let idp: TestIdp, sc: TestSidecar, close: () => Promise<void>;
  before(async () => ({ idp, sc, close } = await withSidecar()));
  after(() => close());

  it('authorize() returns allow, deny with reasons, and token errors with the challenge', async () => {
    const client = createAuthzClient({ url: sc.url, timeoutMs: 2000 });
    try {
      const bob = await idp.token('bob');
      const ok = await client.authorize({ method: 'GET', path: '/api/orders/1?x=1', token: bob, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
      assert.equal(ok.allow, true);
      assert.equal(ok.status, 200);
      assert.match(ok.decisionId!, /^[0-9a-f-]{36}$/);
      const no = await client.authorize({ method: 'DELETE', path: '/api/orders/1', authorization: `Bearer ${bob}` });
      assert.deepEqual([no.allow, no.status, no.code], [false, 200, undefined]);
      assert.deepEqual(no.reasons, ['no grant matches DELETE /api/orders/1']);
      const bad = await client.authorize({ method: 'GET', path: '/api/orders/1', token: 'garbage' });
      assert.deepEqual([bad.allow, bad.status, bad.code], [false, 401, 'invalid_token']);
      assert.match(bad.challenge!, /^Bearer realm="authz-sidecar", error="invalid_token"/);
      const logged = sc.decisions().find((d) => d.decision_id === ok.decisionId);
      assert.equal(logged.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736', 'traceparent is passed on');
      await assert.rejects(client.authorize({ method: 'GET' } as never), TypeError);
    } finally {
      client.close();
    }
  });

  it('regression (WeakRefs per call): a call makes neither AbortSignal.timeout nor AbortSignal.any, and a long-lived caller signal keeps no listener per call', async (t) => {
    const client = createAuthzClient({ url: sc.url, timeoutMs: 2000 });
    try {
      const bob = await idp.token('bob');
      await client.authorize({ method: 'GET', path: '/api/orders/1', token: bob }); // the sidecar fetches its keys and bob's claims once
      const timeout = t.mock.method(AbortSignal, 'timeout');
      const any = t.mock.method(AbortSignal, 'any');
      const shutdown = new AbortController(); // a service's process-wide signal, passed on every call
      for (let i = 0; i < 20; i++) {
        const r = await client.authorize({ method: 'GET', path: '/api/orders/1', token: bob, signal: shutdown.signal });
        assert.equal(r.allow, true);
      }
      assert.equal(timeout.mock.callCount() + any.mock.callCount(), 0);
      assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
    } finally {
      client.close();
    }
  });

  it('the middleware lets an allowed request through and answers 403 and 401 itself', async () => {
    const svc = await service({ url: sc.url, timeoutMs: 2000 });
    try {
      const bob = await idp.token('bob');
      const ok = await fetch(`${svc.url}/api/orders/7`, { headers: { authorization: `Bearer ${bob}` } });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { order: '7' });
      const no = await fetch(`${svc.url}/api/orders/7`, { method: 'DELETE', headers: { authorization: `Bearer ${bob}` } });
      assert.equal(no.status, 403);
      assert.equal(((await no.json()) as { code: string }).code, 'forbidden');
      const anon = await fetch(`${svc.url}/api/orders/7`);
      assert.equal(anon.status, 401);
      assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="authz-sidecar"');
      assert.deepEqual(svc.seen.map((r) => r.allow), [true, false, false]);
    } finally {
      svc.server.close();
    }
  });
});

describe('the client fails closed', () => {
  it('denies with sidecar_unavailable when the sidecar is down, and the middleware answers 503', async () => {
    const url = await deadUrl();
    const client = createAuthzClient({ url, timeoutMs: 1000 });
    const r = await client.authorize({ method: 'GET', path: '/api/orders/1', token: 'x.y.z' });
    assert.deepEqual([r.allow, r.status, r.code], [false, 0, 'sidecar_unavailable']);
    client.close();

    const svc = await service({ url, timeoutMs: 1000 });
    try {
      const res = await fetch(`${svc.url}/api/orders/7`, { headers: { authorization: 'Bearer x.y.z' } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(((await res.json()) as { code: string }).code, 'authz_unavailable');
    } finally {
      svc.server.close();
    }
  });

  it('denies with sidecar_timeout when the sidecar does not answer in time, and the middleware answers 503', async () => {
    const hung = await hungServer();
    try {
      const client = createAuthzClient({ url: hung.url, timeoutMs: 150 });
      const started = performance.now();
      const r = await client.authorize({ method: 'GET', path: '/api/orders/1', token: 'x.y.z' });
      assert.deepEqual([r.allow, r.code], [false, 'sidecar_timeout']);
      assert.ok(performance.now() - started < 5000, 'bounded by the timeout, not by a socket default');
      client.close();

      const svc = await service({ url: hung.url, timeoutMs: 150 });
      try {
        const res = await fetch(`${svc.url}/api/orders/7`, { headers: { authorization: 'Bearer x.y.z' } });
        assert.equal(res.status, 503);
        assert.equal(svc.seen[0]!.code, 'sidecar_timeout');
      } finally {
        svc.server.close();
      }
    } finally {
      await hung.close();
    }
  });

  it("denies with aborted when the caller's signal aborts first, and leaves no listener on it", async () => {
    const hung = await hungServer();
    try {
      const client = createAuthzClient({ url: hung.url, timeoutMs: 5000 });
      const caller = new AbortController();
      setTimeout(() => caller.abort(), 50);
      const r = await client.authorize({ method: 'GET', path: '/api/orders/1', token: 'x.y.z', signal: caller.signal });
      assert.deepEqual([r.allow, r.code], [false, 'aborted']);
      assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
      const already = await client.authorize({ method: 'GET', path: '/api/orders/1', token: 'x.y.z', signal: AbortSignal.abort() });
      assert.deepEqual([already.allow, already.code], [false, 'aborted'], 'a signal aborted before the call');
      client.close();
    } finally {
      await hung.close();
    }
  });

  it('denies on an answer that is not the sidecar\'s JSON, even a 200', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>allow</html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = createAuthzClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      const r = await client.authorize({ method: 'GET', path: '/', token: 'x.y.z' });
      assert.deepEqual([r.allow, r.status, r.code], [false, 200, 'sidecar_bad_response']);
      client.close();
    } finally {
      server.close();
    }
  });

  it('is exported as authz-sidecar/client (the built package entry)', async () => {
    const mod = (await import('authz-sidecar/client')) as typeof import('../../src/client/index.ts');
    assert.equal(typeof mod.createAuthzClient, 'function');
    assert.equal(typeof mod.authzMiddleware, 'function');
    assert.equal(typeof mod.authorize, 'function');
    assert.throws(() => mod.createAuthzClient({ url: 'https://remote.example.com' }), TypeError);
  });
});
