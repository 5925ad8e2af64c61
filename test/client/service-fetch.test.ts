import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { createServiceFetch, ServiceTokenError } from '../../src/client/index.ts';
import { startTokenIdp, SERVICE_A, type TokenIdp } from '../helpers/token-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { startLocalServer, unusedPort, type LocalServer } from '../helpers/local-http.ts';

/**
 * `createServiceFetch` (src/client/service-fetch.ts) against a real sidecar with a real IdP and a
 * real destination service: the call carries the destination's token, and is not made at all when
 * no token can be had.
 */

let idp: TokenIdp;
let sidecar: TestSidecar;
let destination: LocalServer;
const received: (string | undefined)[] = [];
const SECRET = 'a caller secret of at least thirty-two bytes';

before(async () => {
  idp = await startTokenIdp();
  sidecar = await startTestSidecar(idp.issuer, { 'tokens.clientId': SERVICE_A.id, 'tokens.clientSecret': SERVICE_A.secret, 'tokens.callerSecret': SECRET });
  destination = await startLocalServer((req, res) => {
    received.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
});
after(async () => {
  await destination?.close();
  await sidecar?.stop();
  await idp?.stop();
});

describe('createServiceFetch', () => {
  it("sends the call with a token for the destination's audience, replacing any Authorization given", async () => {
    const call = createServiceFetch({ url: sidecar.url, callerSecret: SECRET });
    const res = await call(`${destination.origin}/api/orders`, { audience: 'service-b', headers: { authorization: 'Bearer stale', 'x-other': '1' } });
    assert.equal(res.status, 200);
    const sent = received.at(-1)!;
    assert.match(sent, /^Bearer /);
    const claims = decodeJwt(sent.slice(7));
    assert.equal(claims.aud, 'service-b');
    assert.equal(claims.client_id, SERVICE_A.id);
  });

  it('fails closed: no token (wrong caller secret, IdP refusal, sidecar down) means no call, and a ServiceTokenError with the code', async () => {
    const before = destination.requestCount('/api/orders');
    const wrong = createServiceFetch({ url: sidecar.url, callerSecret: 'wrong' });
    await assert.rejects(wrong(`${destination.origin}/api/orders`, { audience: 'service-b' }), (e: unknown) => e instanceof ServiceTokenError && e.code === 'caller_unauthorized' && e.status === 401);
    idp.controls.fault = { status: 400, body: { error: 'invalid_scope' } };
    const call = createServiceFetch({ url: sidecar.url, callerSecret: SECRET });
    await assert.rejects(call(`${destination.origin}/api/orders`, { audience: 'service-refused' }), (e: unknown) => e instanceof ServiceTokenError && e.code === 'token_refused');
    idp.controls.fault = undefined;
    const down = createServiceFetch({ url: `http://127.0.0.1:${await unusedPort()}`, callerSecret: SECRET });
    await assert.rejects(down(`${destination.origin}/api/orders`, { audience: 'service-b' }), (e: unknown) => e instanceof ServiceTokenError && e.code === 'sidecar_unavailable');
    // A user token the sidecar cannot verify is never exchanged: still no call.
    await assert.rejects(call(`${destination.origin}/api/orders`, { audience: 'service-b', onBehalfOf: 'not-a-jwt' }), ServiceTokenError);
    assert.equal(destination.requestCount('/api/orders'), before);
  });

  it('a call without an audience is a TypeError, not an unauthenticated call', async () => {
    const call = createServiceFetch({ url: sidecar.url, callerSecret: SECRET });
    await assert.rejects(call(`${destination.origin}/x`, {} as never), TypeError);
    assert.equal(destination.requestCount('/x'), 0);
  });
});
