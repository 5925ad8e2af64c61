import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { openSocket, rawRequest, readResponse, readUntilClose } from '../helpers/raw-http.ts';

const get = { method: 'GET', path: '/api/orders/1' };

/**
 * Hostile HTTP against the real server: limits (431, 413), slow clients, malformed bodies,
 * wrong content types. Every answer is a stable JSON error or a closed connection, never an allow.
 */
describe('hostile HTTP requests', () => {
  let idp: AttackIdp;
  let sc: TestSidecar;
  let admin: string;
  before(async () => {
    idp = await startAttackIdp();
    sc = await startTestSidecar(idp.issuer, { 'http.headersTimeoutMs': 300, 'http.requestTimeoutMs': 600, 'http.keepAliveTimeoutMs': 300 });
    admin = idp.sign(idp.claims());
  });
  after(async () => {
    await sc.stop();
    await idp.stop();
  });

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${sc.url}/authorize`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...headers }, body });

  it('allows the admin token with a well-formed request (the suite can fail)', async () => {
    const res = await post(JSON.stringify(get));
    assert.equal(res.status, 200);
    const body = (await res.json()) as any;
    assert.equal(body.allow, true);
    // The log is written off the request path: wait for this line, so the next test's count of
    // decisions does not race it.
    assert.ok(await sc.decision(body.decision_id));
  });

  it('answers 431 to request headers over http.maxHeaderBytes (16 KiB), before any decision', async () => {
    const before = sc.decisions().length;
    const res = await rawRequest(sc.url, `POST /authorize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nX-Pad: ${'a'.repeat(17 * 1024)}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    assert.equal(res.status, 431);
    const many = await rawRequest(sc.url, `GET /forward-auth HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`);
    assert.equal(many.status, 431);
    await sleep(50);
    assert.equal(sc.decisions().length, before);
  });

  it('answers 413 payload_too_large to a body over http.maxBodyBytes, declared or chunked, without reading it all', async () => {
    const big = JSON.stringify({ ...get, context: { pad: 'x'.repeat(70 * 1024) } });
    const res = await post(big);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as any).code, 'payload_too_large');
    // A 1 GiB Content-Length with no body: refused from the header alone, and the connection closed
    // (regression: body-parser drained announced bodies before answering, holding the connection).
    const socket = await openSocket(sc.url);
    const declared = readResponse(socket);
    socket.write(`POST /authorize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n`);
    const answer = await declared;
    assert.equal(answer.status, 413);
    assert.match(answer.text, /\r\nConnection: close\r\n/i);
    const chunk = 'x'.repeat(8192);
    const chunked = await rawRequest(
      sc.url,
      `POST /authorize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${`${(8192).toString(16)}\r\n${chunk}\r\n`.repeat(10)}0\r\n\r\n`,
    );
    assert.equal(chunked.status, 413);
  });

  it('refuses a compressed body (no inflating on the request path, so no decompression bomb)', async () => {
    const bomb = gzipSync(JSON.stringify({ ...get, context: { pad: '0'.repeat(8 * 1024 * 1024) } }));
    assert.ok(bomb.length < 64 * 1024, 'the compressed body fits under the limit');
    const res = await post(bomb, { 'content-encoding': 'gzip' });
    assert.ok([413, 415].includes(res.status), `answered ${res.status}`);
    assert.ok(['payload_too_large', 'unsupported_media_type'].includes(((await res.json()) as any).code));
  });

  it('closes a slow client that never finishes its headers (slowloris)', async () => {
    const socket = await openSocket(sc.url);
    const answer = readUntilClose(socket, 5000);
    socket.write('POST /authorize HTTP/1.1\r\nHost: x\r\n');
    // Dribbles a header byte every 50 ms; the server must cut it off regardless.
    for (let i = 0; i < 40 && !socket.destroyed; i++) {
      socket.write('X');
      await sleep(50);
    }
    const { closed, status } = await answer;
    assert.equal(closed, true, 'the server closed the connection');
    assert.ok(status === undefined || status === 408, `answered ${status}`);
  });

  it('closes a slow client that never finishes its body', async () => {
    const socket = await openSocket(sc.url);
    const answer = readUntilClose(socket, 5000);
    socket.write(`POST /authorize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"method":`);
    const { closed, text } = await answer;
    assert.equal(closed, true);
    assert.doesNotMatch(text, /"allow":true/);
  });

  for (const [name, body] of [
    ['truncated JSON', '{"method":'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"GET /api/orders/1"'],
    ['a number', '42'],
    ['trailing garbage', `${JSON.stringify(get)} x`],
    ['a comment', `/* */${JSON.stringify(get)}`],
    ['single quotes', "{'method':'GET','path':'/api/orders/1'}"],
    ['NaN', '{"method":"GET","path":"/api/orders/1","context":{"n":NaN}}'],
    ['an empty body', ''],
    ['a byte order mark', `\ufeff${JSON.stringify(get)}`],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"method":"GET","path":"/api/orders/'), Buffer.from([0xff]), Buffer.from('"}')])],
    ['duplicate "path" (which one would the service mean?)', '{"method":"GET","path":"/api/admin","path":"/api/orders/1"}'],
    ['duplicate "method"', '{"method":"DELETE","method":"GET","path":"/api/orders/1"}'],
    ['a "__proto__" member', '{"method":"GET","path":"/api/orders/1","context":{"__proto__":{"admin":true}}}'],
    ['resource nested 10,000 levels', `{"method":"GET","path":"/api/orders/1","resource":${'['.repeat(10000)}${']'.repeat(10000)}}`],
    ['context nested 33 levels', `{"method":"GET","path":"/api/orders/1","context":{"a":${'{"a":'.repeat(32)}1${'}'.repeat(32)}}}`],
    ['method not a string', '{"method":1,"path":"/api/orders/1"}'],
    ['method with a space', '{"method":"GET /","path":"/api/orders/1"}'],
    ['path not a string', '{"method":"GET","path":["/api/orders/1"]}'],
    ['an unknown field', '{"method":"GET","path":"/api/orders/1","admin":true}'],
  ] as const) {
    it(`answers 400 invalid_request to a malformed body: ${name}`, async () => {
      const res = await post(body);
      const json = (await res.json()) as any;
      assert.equal(res.status, 400, JSON.stringify(json));
      assert.equal(json.code, 'invalid_request');
      assert.notEqual(json.allow, true);
    });
  }

  for (const [name, type] of [
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['a JSON look-alike', 'application/jsonx'],
    ['a latin-1 charset', 'application/json; charset=latin1'],
    ['a UTF-16 charset', 'application/json; charset=utf-16'],
  ] as const) {
    it(`answers 415 unsupported_media_type to ${name}`, async () => {
      const res = await post(JSON.stringify(get), { 'content-type': type });
      const json = (await res.json()) as any;
      assert.equal(res.status, 415, JSON.stringify(json));
      assert.equal(json.code, 'unsupported_media_type');
    });
  }

  it('answers 415 to a body without a content type', async () => {
    const res = await rawRequest(sc.url, `POST /authorize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Length: ${JSON.stringify(get).length}\r\nConnection: close\r\n\r\n${JSON.stringify(get)}`);
    assert.equal(res.status, 415);
  });

  it('answers a request smuggling attempt (Content-Length with Transfer-Encoding) with 400, not a decision', async () => {
    const body = JSON.stringify(get);
    const res = await rawRequest(sc.url, `POST /authorize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    assert.equal(res.status, 400);
  });

  it('answers 404 not_found as JSON for unknown routes and methods', async () => {
    for (const [method, path] of [['GET', '/authorize'], ['POST', '/admin'], ['GET', '/%2e%2e/etc/passwd']] as const) {
      const res = await fetch(`${sc.url}${path}`, { method });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as any).code, 'not_found');
    }
  });
});
