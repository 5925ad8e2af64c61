import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { decodeJwt } from 'jose';
import { startTokenIdp, SERVICE_A, type TokenIdp } from '../helpers/token-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { parseExposition } from '../helpers/prom-text.ts';

/**
 * `POST /v1/tokens/service` end to end in one process: the sidecar (src/runtime/) with `tokens.*`
 * configured, against oauth2-mock-server's real token endpoint (client credentials, with the
 * client's Basic credentials checked by the test IdP).
 */

let idp: TokenIdp;
let sidecar: TestSidecar;
const CALLER_SECRET = 'the service own caller secret, 32+ bytes long';

const ask = (body: unknown, headers: Record<string, string> = {}, url = sidecar.url) =>
  fetch(`${url}/v1/tokens/service`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-authz-caller-secret': CALLER_SECRET, ...headers },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as Record<string, any> }));
const scrape = async () => parseExposition(await (await fetch(`${sidecar.url}/metrics`)).text());

before(async () => {
  idp = await startTokenIdp();
  sidecar = await startTestSidecar(idp.issuer, {
    'tokens.clientId': SERVICE_A.id,
    'tokens.clientSecret': SERVICE_A.secret,
    'tokens.callerSecret': CALLER_SECRET,
    'tokens.ratePerMinute': 1000,
  });
});
after(async () => {
  await sidecar?.stop();
  await idp?.stop();
});

describe('POST /v1/tokens/service', () => {
  test('a client-credentials token for the audience asked, cached per (audience, scope), answered no-store', async () => {
    const first = await ask({ audience: 'service-b' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.token_type, 'Bearer');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const claims = decodeJwt(first.body.access_token);
    assert.equal(claims.aud, 'service-b');
    assert.equal(claims.client_id, SERVICE_A.id);
    assert.ok(first.body.expires_in > 250 && first.body.expires_in <= 300, String(first.body.expires_in));
    const calls = idp.calls.client_credentials;
    const again = await ask({ audience: 'service-b' });
    assert.equal(again.body.access_token, first.body.access_token);
    assert.equal(idp.calls.client_credentials, calls, 'the second ask is a cache hit');
    const other = await ask({ audience: 'service-c' });
    assert.equal(decodeJwt(other.body.access_token).aud, 'service-c');
    const scoped = await ask({ audience: 'service-b', scope: 'orders:read' });
    assert.notEqual(scoped.body.access_token, first.body.access_token);
    assert.equal(idp.calls.client_credentials, calls + 2);
    const m = await scrape();
    assert.ok(m.value('authz_token_requests_total', { grant: 'client_credentials', outcome: 'ok' })! >= 4);
    assert.ok(m.value('authz_token_cache_hits_total', { grant: 'client_credentials' })! >= 1);
  });

  test('concurrent askers for a new audience cause one IdP call', async () => {
    const calls = idp.calls.client_credentials;
    const answers = await Promise.all(Array.from({ length: 25 }, () => ask({ audience: 'service-concurrent' })));
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(new Set(answers.map((a) => a.body.access_token)).size, 1);
    assert.equal(idp.calls.client_credentials, calls + 1);
  });

  test('without the caller secret, or with a wrong one: 401 caller_unauthorized, and the IdP is not asked', async () => {
    const calls = idp.calls.client_credentials;
    const none = await fetch(`${sidecar.url}/v1/tokens/service`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"audience":"service-z"}' });
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: string }).code, 'caller_unauthorized');
    const wrong = await ask({ audience: 'service-z' }, { 'x-authz-caller-secret': 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(idp.calls.client_credentials, calls);
  });

  test('malformed asks are 400 invalid_request', async () => {
    for (const body of [{}, { audience: '' }, { audience: 'a b' }, { audience: 'x', scope: 'a  b' }, { audience: 'x', extra: 1 }, { audience: 7 }, ['x']]) {
      const r = await ask(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.code, 'invalid_request');
    }
  });

  test('an IdP refusal is 403 token_refused; an IdP failure 503 token_unavailable; both counted', async () => {
    idp.controls.fault = { status: 400, body: { error: 'invalid_scope', error_description: 'nope' } };
    const refused = await ask({ audience: 'service-refused' });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, { code: 'token_refused', message: 'the IdP refused the token request: invalid_scope' });
    idp.controls.fault = { status: 500, body: { error: 'server_error' } };
    const down = await ask({ audience: 'service-down' });
    assert.equal(down.status, 503);
    assert.equal(down.body.code, 'token_unavailable');
    assert.equal(down.headers.get('retry-after'), '1');
    // A token cached before the IdP failed is still served (it is far from expiry).
    const cached = await ask({ audience: 'service-b' });
    assert.equal(cached.status, 200);
    idp.controls.fault = undefined;
    const m = await scrape();
    assert.equal(m.value('authz_token_idp_errors_total', { grant: 'client_credentials', code: 'token_refused' }), 1);
    assert.equal(m.value('authz_token_idp_errors_total', { grant: 'client_credentials', code: 'token_unavailable' }), 1);
    assert.equal(m.value('authz_token_requests_total', { grant: 'client_credentials', outcome: 'token_refused' }), 1);
  });

  test('the tokens component reports in /health?plugins', async () => {
    const r = await fetch(`${sidecar.url}/v1/status`);
    const status = (await r.json()) as { result: { plugins: Record<string, { state: string }> } };
    assert.ok(status.result.plugins['tokens'], JSON.stringify(status.result.plugins));
  });
});

describe('token endpoints: configuration', () => {
  test('off unless tokens.clientId is set: 404', async () => {
    const plain = await startTestSidecar(idp.issuer);
    try {
      const r = await fetch(`${plain.url}/v1/tokens/service`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"audience":"x"}' });
      assert.equal(r.status, 404);
    } finally {
      await plain.stop();
    }
  });

  test('the rate per audience: beyond tokens.ratePerMinute IdP calls, 429 rate_limited for that audience only; cache hits are free', async () => {
    const limited = await startTestSidecar(idp.issuer, { 'tokens.clientId': SERVICE_A.id, 'tokens.clientSecret': SERVICE_A.secret, 'tokens.ratePerMinute': 3 });
    try {
      const one = (audience: string, scope?: string) =>
        fetch(`${limited.url}/v1/tokens/service`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ audience, scope }) });
      const statuses = [];
      for (const scope of ['a', 'b', 'c', 'd']) statuses.push((await one('service-b', scope)).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      for (let i = 0; i < 20; i++) assert.equal((await one('service-b', 'a')).status, 200, 'a cached token is served whatever the rate');
      assert.equal((await one('service-c')).status, 200);
    } finally {
      await limited.stop();
    }
  });

  test('a caller that is not on loopback gets 403 forbidden, even with the caller secret', async (t) => {
    // The sidecar bound to this machine's own non-loopback address: the peer address is then not loopback.
    const address = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!address) return t.skip('no non-loopback IPv4 address on this machine');
    const exposed = await startTestSidecar(idp.issuer, { listen: `${address}:0`, 'tokens.clientId': SERVICE_A.id, 'tokens.clientSecret': SERVICE_A.secret, 'tokens.callerSecret': CALLER_SECRET });
    try {
      const calls = idp.calls.client_credentials;
      const r = await ask({ audience: 'service-b' }, {}, exposed.url);
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'forbidden');
      assert.equal(idp.calls.client_credentials, calls);
    } finally {
      await exposed.stop();
    }
  });

  test('a wrong client secret is the sidecar\'s problem: 503 token_unavailable, not a refusal of the caller', async () => {
    const wrong = await startTestSidecar(idp.issuer, { 'tokens.clientId': SERVICE_A.id, 'tokens.clientSecret': 'wrong' });
    try {
      const r = await fetch(`${wrong.url}/v1/tokens/service`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"audience":"service-b"}' });
      assert.equal(r.status, 503);
      assert.equal(((await r.json()) as { code: string }).code, 'token_unavailable');
    } finally {
      await wrong.stop();
    }
  });
});
