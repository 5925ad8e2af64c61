import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { startTokenIdp, SERVICE_A, type TokenIdp } from '../helpers/token-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { parseExposition } from '../helpers/prom-text.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';

/**
 * `POST /v1/tokens/exchange` end to end in one process: the caller's token is verified as on
 * `/authorize`, then exchanged (RFC 8693) at a real token endpoint that verifies the subject token with
 * the IdP's JWKS and signs with the IdP's key (test/helpers/token-idp.ts; oauth2-mock-server has no
 * token exchange). Also the refresh of service tokens before expiry, under load, with real time.
 */

let idp: TokenIdp;
let sidecar: TestSidecar;

const exchange = (token: string | undefined, body: unknown, url = sidecar.url) =>
  fetch(`${url}/v1/tokens/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));

before(async () => {
  idp = await startTokenIdp({ exchangeInDiscovery: true });
  sidecar = await startTestSidecar(idp.issuer, { 'tokens.clientId': SERVICE_A.id, 'tokens.clientSecret': SERVICE_A.secret, 'tokens.refreshMarginSeconds': 30 });
});
after(async () => {
  await sidecar?.stop();
  await idp?.stop();
});

describe('POST /v1/tokens/exchange', () => {
  test("alice's token becomes one for service-b alone, with alice as subject; RFC 8693 parameters sent; cached per subject token", async () => {
    const alice = await idp.token('alice');
    const r = await exchange(alice, { audience: 'service-b' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const claims = decodeJwt(r.body.access_token);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, 'service-b');
    assert.equal(r.body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    const form = idp.lastExchange!;
    assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
    assert.equal(form.get('subject_token'), alice);
    assert.equal(form.get('subject_token_type'), 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(form.get('requested_token_type'), 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(form.get('audience'), 'service-b');
    const calls = idp.calls.token_exchange;
    assert.equal((await exchange(alice, { audience: 'service-b' })).body.access_token, r.body.access_token);
    assert.equal(idp.calls.token_exchange, calls, 'cache hit');
    const bob = await idp.token('bob');
    const forBob = await exchange(bob, { audience: 'service-b' });
    assert.equal(decodeJwt(forBob.body.access_token).sub, 'bob', 'another subject token is another cache entry');
    assert.equal(idp.calls.token_exchange, calls + 1);
  });

  test('a token that fails verification is never exchanged: 401, and the token endpoint is not called', async () => {
    const calls = idp.calls.token_exchange;
    const [h, p, sig] = (await idp.token('alice')).split('.');
    const forged = `${h}.${p}.${sig!.slice(0, 20)}${sig![20] === 'A' ? 'B' : 'A'}${sig!.slice(21)}`;
    const expired = await idp.signed({ sub: 'alice' }, -120);
    const otherAudience = await idp.signed({ sub: 'alice', aud: 'someone-else' });
    for (const token of [forged, expired, otherAudience]) {
      const r = await exchange(token, { audience: 'service-b' });
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.code, 'invalid_token');
    }
    const none = await exchange(undefined, { audience: 'service-b' });
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'missing_token');
    assert.equal(idp.calls.token_exchange, calls);
    const m = parseExposition(await (await fetch(`${sidecar.url}/metrics`)).text());
    assert.equal(m.value('authz_token_requests_total', { grant: 'token_exchange', outcome: 'invalid_token' }), 3);
  });

  test('an answer for a wider audience than asked is refused (503), and not cached', async () => {
    idp.controls.exchangeClaims = { aud: ['service-b', DEMO_AUDIENCE] };
    const carol = await idp.signed({ sub: 'carol' });
    const r = await exchange(carol, { audience: 'service-b' });
    idp.controls.exchangeClaims = {};
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'token_unavailable');
    const again = await exchange(carol, { audience: 'service-b' });
    assert.equal(again.status, 200);
    assert.equal(decodeJwt(again.body.access_token).aud, 'service-b');
  });

  test('the IdP refusing (400 invalid_grant) is 403 token_refused; failing (500) is 503', async () => {
    const dave = await idp.signed({ sub: 'dave' });
    idp.controls.fault = { status: 400, body: { error: 'invalid_grant' } };
    const refused = await exchange(dave, { audience: 'service-b' });
    idp.controls.fault = { status: 502, body: 'bad gateway' };
    const failed = await exchange(dave, { audience: 'service-b' });
    idp.controls.fault = undefined;
    assert.deepEqual([refused.status, refused.body.code], [403, 'token_refused']);
    assert.deepEqual([failed.status, failed.body.code], [503, 'token_unavailable']);
  });

  test('an exchanged token is reused only until exp minus the margin: a lifetime shorter than the margin is fetched each time', async () => {
    idp.controls.lifetimeSeconds = 20; // below tokens.refreshMarginSeconds (30)
    try {
      const erin = await idp.signed({ sub: 'erin' });
      const calls = idp.calls.token_exchange;
      await exchange(erin, { audience: 'service-b' });
      await exchange(erin, { audience: 'service-b' });
      assert.equal(idp.calls.token_exchange, calls + 2);
    } finally {
      idp.controls.lifetimeSeconds = 300;
    }
  });
});

describe('service tokens under load with a short lifetime', () => {
  test('refreshed before expiry: every call answered, no token ever past its exp, more than one token issued', async () => {
    const plain = await startTokenIdp();
    plain.controls.lifetimeSeconds = 3;
    const s = await startTestSidecar(plain.issuer, {
      'tokens.clientId': SERVICE_A.id,
      'tokens.clientSecret': SERVICE_A.secret,
      'tokens.refreshMarginSeconds': 1,
      'tokens.refreshJitterSeconds': 0,
      'tokens.ratePerMinute': 100000,
    });
    try {
      const seen = new Set<string>();
      const failures: string[] = [];
      const until = Date.now() + 4500;
      const worker = async (): Promise<void> => {
        while (Date.now() < until) {
          const r = await fetch(`${s.url}/v1/tokens/service`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"audience":"service-b"}' });
          const body = (await r.json()) as { access_token?: string; code?: string };
          const at = Date.now();
          if (r.status !== 200 || !body.access_token) failures.push(`${r.status} ${body.code}`);
          else {
            seen.add(body.access_token);
            const exp = decodeJwt(body.access_token).exp! * 1000;
            if (exp <= at) failures.push(`a token past its exp by ${at - exp} ms`);
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      assert.deepEqual(failures, []);
      assert.ok(seen.size >= 2, `tokens issued: ${seen.size}`);
      const m = parseExposition(await (await fetch(`${s.url}/metrics`)).text());
      assert.ok(m.value('authz_token_refreshes_total', { grant: 'client_credentials' })! >= 1);
    } finally {
      await s.stop();
      await plain.stop();
    }
  });
});
