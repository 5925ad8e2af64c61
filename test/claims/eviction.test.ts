import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, type JWTPayload } from 'jose';
import { jti, TEST_CLIENT_ID } from '../helpers/fault-idp.ts';
import { ADMIN_TOKEN, claimsSetup, type ClaimsSetup } from '../helpers/claims-setup.ts';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../src/claims/verify-logout-token.ts';

const del = { method: 'DELETE', path: '/api/orders/1' };
const LOGOUT_PATH = '/backchannel-logout';

describe('OIDC Back-Channel Logout receiver', () => {
  let s: ClaimsSetup;
  before(async () => {
    s = await claimsSetup({ 'claims.clientId': TEST_CLIENT_ID, 'claims.backchannelLogout.path': LOGOUT_PATH });
  });
  after(() => s.close());

  const logoutClaims = (over: JWTPayload = {}): JWTPayload => ({
    aud: TEST_CLIENT_ID,
    jti: jti(),
    exp: Math.floor(Date.now() / 1000) + 120,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...over,
  });
  const post = async (form: Record<string, string>, type = 'application/x-www-form-urlencoded') => {
    const res = await fetch(`${s.sc.url}${LOGOUT_PATH}`, { method: 'POST', headers: { 'content-type': type }, body: new URLSearchParams(form).toString() });
    return { status: res.status, cacheControl: res.headers.get('cache-control'), body: (await res.json()) as any };
  };
  /** Primes a subject's cached claims and returns how many userinfo calls it has made. */
  const prime = async (sub: string, claims: JWTPayload = {}) => {
    const token = await s.idp.token({ sub, ...claims });
    assert.equal((await s.sc.authorize(token, del)).status, 200);
    await s.sc.authorize(token, del);
    return { token, calls: () => s.idp.calls.userinfo.get(sub) ?? 0 };
  };

  it('a valid logout token naming sub evicts the subject: the next request fetches userinfo again', async () => {
    const { token, calls } = await prime('logout-sub');
    assert.equal(calls(), 1);
    const res = await post({ logout_token: await s.idp.sign(logoutClaims({ sub: 'logout-sub' }), { typ: 'logout+jwt' }) });
    assert.equal(res.status, 200);
    assert.equal(res.cacheControl, 'no-store');
    assert.deepEqual(res.body, { evicted: 1 });
    await s.sc.authorize(token, del);
    assert.equal(calls(), 2);
  });

  it('a logout token naming only sid evicts the subject that session belonged to', async () => {
    const { token, calls } = await prime('logout-sid', { sid: 'session-42' });
    const res = await post({ logout_token: await s.idp.sign(logoutClaims({ sid: 'session-42' })) });
    assert.deepEqual(res.body, { evicted: 1 });
    await s.sc.authorize(token, del);
    assert.equal(calls(), 2);
  });

  const invalid: [string, () => Promise<string>, RegExp][] = [
    ['another audience', () => s.idp.sign(logoutClaims({ sub: 'victim', aud: 'other-client' })), /aud/],
    ['another issuer', () => s.idp.sign(logoutClaims({ sub: 'victim', iss: 'https://evil.example' })), /iss/],
    ['no events claim', () => s.idp.sign(logoutClaims({ sub: 'victim', events: undefined })), /events/],
    ['an events member that is not an object', () => s.idp.sign(logoutClaims({ sub: 'victim', events: { [BACKCHANNEL_LOGOUT_EVENT]: true } })), /events/],
    ['a nonce (an ID token)', () => s.idp.sign(logoutClaims({ sub: 'victim', nonce: 'n' })), /nonce/],
    ['neither sub nor sid', () => s.idp.sign(logoutClaims()), /neither/],
    ['no jti', () => s.idp.sign(logoutClaims({ sub: 'victim', jti: undefined })), /jti/],
    ['an expired exp', () => s.idp.sign(logoutClaims({ sub: 'victim', exp: Math.floor(Date.now() / 1000) - 600 })), /exp/],
    ['a key the issuer does not publish', () => s.idp.sign(logoutClaims({ sub: 'victim' }), {}, s.idp.strangerKey), /signature/],
    ['typ at+jwt (an access token)', () => s.idp.sign(logoutClaims({ sub: 'victim' }), { typ: 'at+jwt' }), /typ/],
    [
      'an HMAC signature',
      () => new SignJWT(logoutClaims({ sub: 'victim' })).setProtectedHeader({ alg: 'HS256' }).setIssuer(s.idp.issuer).setIssuedAt().sign(new Uint8Array(32)),
      /alg/i,
    ],
    ['not a JWT', async () => 'not-a-jwt', /compact JWS/],
  ];
  for (const [name, make, why] of invalid) {
    it(`refuses (400 invalid_logout_token) a logout token with ${name}, and evicts nothing`, async () => {
      const { token, calls } = await prime('victim');
      const before = calls();
      const res = await post({ logout_token: await make() });
      assert.equal(res.status, 400);
      assert.equal(res.cacheControl, 'no-store');
      assert.equal(res.body.code, 'invalid_logout_token');
      assert.match(res.body.message, why);
      await s.sc.authorize(token, del);
      assert.equal(calls(), before, 'the cached claims are still there');
    });
  }

  it('refuses a replayed logout token (same jti)', async () => {
    const token = await s.idp.sign(logoutClaims({ sub: 'replayed' }));
    assert.equal((await post({ logout_token: token })).status, 200);
    const again = await post({ logout_token: token });
    assert.equal(again.status, 400);
    assert.match(again.body.message, /replayed/);
  });

  it('refuses a body that is not a form with one logout_token', async () => {
    assert.equal((await post({ logout_token: 'x' }, 'application/json')).status, 415);
    assert.equal((await post({ token: 'x' })).body.code, 'invalid_logout_token');
  });
});

describe('admin eviction endpoint', () => {
  let s: ClaimsSetup;
  before(async () => {
    s = await claimsSetup();
  });
  after(() => s.close());
  const evict = (body: unknown, token: string | null = ADMIN_TOKEN) =>
    fetch(`${s.sc.url}/admin/claims/evict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });

  it('evicts a subject on demand; the next request fetches userinfo again', async () => {
    const token = await s.idp.token({ sub: 'carol' });
    await s.sc.authorize(token, del);
    await s.sc.authorize(token, del);
    assert.equal(s.idp.calls.userinfo.get('carol'), 1);
    const res = await evict({ sub: 'carol' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { evicted: 1 });
    await s.sc.authorize(token, del);
    assert.equal(s.idp.calls.userinfo.get('carol'), 2);
    assert.equal((await s.admin()).cache.evictedBySubject, 1);
  });

  it('answers 401 without the admin token or with a wrong one, and 400 for a bad body', async () => {
    assert.equal((await evict({ sub: 'carol' }, null)).status, 401);
    assert.equal((await evict({ sub: 'carol' }, `${ADMIN_TOKEN}x`)).status, 401);
    assert.equal((await fetch(`${s.sc.url}/admin/claims`)).status, 401);
    const bad = await evict({ sub: 'carol', subject: 'typo' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as any).message, /subject/);
    assert.equal((await evict({ sub: '' })).status, 400);
  });

  it('does not exist unless claims.admin.token is set', async () => {
    const plain = await claimsSetup({ 'claims.admin.token': null });
    try {
      const res = await fetch(`${plain.sc.url}/admin/claims/evict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"a"}' });
      assert.equal(res.status, 404);
      assert.equal((await fetch(`${plain.sc.url}${LOGOUT_PATH}`, { method: 'POST' })).status, 404);
    } finally {
      await plain.close();
    }
  });
});
