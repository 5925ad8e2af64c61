import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JWTPayload } from 'jose';
import { TEST_CLIENT_ID, type Behaviour } from '../helpers/fault-idp.ts';
import { claimsSetup, type ClaimsSetup } from '../helpers/claims-setup.ts';

const del = { method: 'DELETE', path: '/api/orders/1' };

describe('signed userinfo (application/jwt)', () => {
  let s: ClaimsSetup;
  before(async () => {
    // Every case here is an IdP failure; a high threshold keeps the breaker from answering instead.
    s = await claimsSetup({ 'claims.clientId': TEST_CLIENT_ID, 'claims.cacheTtlSeconds': 0, 'claims.breaker.failureThreshold': 1000 });
  });
  after(() => s.close());

  const jwtAnswer =
    (over: (claims: Record<string, unknown>) => JWTPayload, header: Record<string, unknown> = {}, stranger = false): Behaviour =>
    async ({ res, claims }) => {
      const jwt = await s.idp.sign(over(claims), header, stranger ? s.idp.strangerKey : undefined);
      res.writeHead(200, { 'content-type': 'application/jwt' }).end(`${jwt}\n`);
    };
  const ask = async (behaviour: Behaviour) => {
    s.idp.userinfo = behaviour;
    s.idp.users.set('alice', { roles: ['admin'] });
    const res = await s.sc.authorize(await s.idp.token({ sub: 'alice' }), del);
    return { res, line: await s.logged(res.body.decision_id) };
  };

  it('accepts an answer signed with the issuer key, naming the issuer and our client id', async () => {
    const { res } = await ask(jwtAnswer((c) => ({ ...c, aud: TEST_CLIENT_ID })));
    assert.equal(res.status, 200);
    assert.equal(res.body.allow, true);
  });

  const refused: [string, Behaviour, RegExp][] = [
    ['another audience', jwtAnswer((c) => ({ ...c, aud: 'someone-else' })), /claim "aud" is invalid/],
    ['no audience', jwtAnswer((c) => c), /"aud"/],
    ['another issuer', jwtAnswer((c) => ({ ...c, aud: TEST_CLIENT_ID, iss: 'https://evil.example' })), /claim "iss" is invalid/],
    ['a key the issuer does not publish', jwtAnswer((c) => ({ ...c, aud: TEST_CLIENT_ID }), {}, true), /signature/],
    ['a key named in the header (jwk)', jwtAnswer((c) => ({ ...c, aud: TEST_CLIENT_ID }), { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }), /header 'jwk'/],
    [
      'an unsigned (alg none) JWT',
      async ({ res, claims }) => {
        const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
        res.writeHead(200, { 'content-type': 'application/jwt' }).end(`${b64({ alg: 'none' })}.${b64({ ...claims, aud: TEST_CLIENT_ID })}.`);
      },
      /malformed/,
    ],
    [
      'an encrypted (JWE) answer',
      ({ res }) => void res.writeHead(200, { 'content-type': 'application/jwt' }).end('eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d'),
      /encrypted userinfo answers \(JWE\) are unsupported/,
    ],
  ];
  for (const [name, behaviour, why] of refused) {
    it(`denies (503 claims_unavailable) an answer with ${name}`, async () => {
      const { res, line } = await ask(behaviour);
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'claims_unavailable');
      assert.notEqual(res.body.allow, true);
      assert.match(line.error.message, why);
    });
  }
});

describe('signed userinfo without claims.clientId', () => {
  it('is refused with a message that names the missing key', async () => {
    const s = await claimsSetup();
    try {
      s.idp.userinfo = async ({ res, claims }) => {
        res.writeHead(200, { 'content-type': 'application/jwt' }).end(await s.idp.sign({ ...claims, aud: 'x' }));
      };
      const res = await s.sc.authorize(await s.idp.token(), del);
      assert.equal(res.status, 503);
      assert.match((await s.logged(res.body.decision_id)).error.message, /claims\.clientId/);
    } finally {
      await s.close();
    }
  });
});
