import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, verify as cryptoVerify } from 'node:crypto';
import { createRemoteKeys } from '../../src/token/remote-keys.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/token/verify-token.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';
import { b64u, rsaKey, signingInput, startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { assertRefused } from './jwt-attacks.ts';

/** EMSA-PKCS1-v1_5 encoding of SHA-256(input) for a 256-byte modulus: with e = 1 this *is* the signature. */
function pkcs1v15Encoding(input: string): Buffer {
  const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(input).digest()]);
  return Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(256 - 3 - digestInfo.length, 0xff), Buffer.from([0]), digestInfo]);
}

/** Each load of the key set (jose refetches on an unknown kid) refuses the same key, and nothing else. */
function assertOnlyRefused(expected: { kid: string; reason: string }): void {
  assert.ok(refused.length >= 1, 'the key was not refused');
  assert.deepEqual([...new Set(refused.map((r) => JSON.stringify(r)))], [JSON.stringify(expected)]);
}
let refused: { kid: string | undefined; reason: string }[] = [];

describe('weak keys in the JWKS are refused when the key set loads', () => {
  let idp: AttackIdp;
  let verify: TokenVerifier;
  const fresh = (algorithms = ['RS256', 'ES256'], hmacSecret?: string): TokenVerifier =>
    createTokenVerifier({
      issuer: idp.issuer,
      audience: [DEMO_AUDIENCE],
      algorithms,
      clockToleranceSeconds: 30,
      maxBytes: 8192,
      typ: undefined,
      hmacSecret,
      keys: createRemoteKeys({
        jwksUri: `${idp.issuer}/jwks`,
        timeoutMs: 2000,
        cooldownMs: 0,
        cacheMaxAgeMs: 600_000,
        onRefused: (kid, reason) => refused.push({ kid, reason }),
      }),
    });
  before(async () => {
    idp = await startAttackIdp();
  });
  after(() => idp.stop());

  for (const bits of [1024, 1536]) {
    it(`refuses an RSA-${bits} key, even for a correctly signed token`, async () => {
      const weak = rsaKey(`rsa-${bits}`, bits);
      idp.setJwks({ keys: [weak.jwk, idp.rsa.jwk] });
      refused = [];
      verify = fresh();
      await assertRefused(verify, idp.sign(idp.claims(), {}, weak), 'invalid_token', /no issuer key/);
      assertOnlyRefused({ kid: `rsa-${bits}`, reason: `RSA modulus of ${bits} bits (at least 2048 required)` });
      // The strong key of the same set still works: refusing one key does not refuse the set.
      assert.equal((await verify(idp.sign(idp.claims()))).payload.sub, 'mallory');
    });
  }

  it('refuses an RSA key with e = 1, whose "signature" is the padded digest itself', async () => {
    const n = idp.rsa.jwk['n'] as string;
    const jwk = { kty: 'RSA', n, e: 'AQ', kid: 'rsa-e1', alg: 'RS256', use: 'sig' };
    const input = signingInput(JSON.stringify({ alg: 'RS256', kid: 'rsa-e1' }), JSON.stringify(idp.claims()));
    const forged = pkcs1v15Encoding(input);
    // The forgery is real: Node's bundled OpenSSL imports e = 1 and verifies it, so only the
    // filter stands between this token and an allow.
    assert.equal(cryptoVerify('sha256', Buffer.from(input), createPublicKey({ key: jwk, format: 'jwk' }), forged), true);
    idp.setJwks({ keys: [jwk] });
    refused = [];
    verify = fresh();
    await assertRefused(verify, `${input}.${b64u(forged)}`, 'invalid_token', /no issuer key/);
    assertOnlyRefused({ kid: 'rsa-e1', reason: 'RSA public exponent 1 is unsafe' });
  });

  for (const [e, value] of [['Ag', 2], ['AA', 0], ['AQA', 256]] as const) {
    it(`refuses an RSA key with an even or zero exponent (e = ${value})`, async () => {
      idp.setJwks({ keys: [{ ...idp.rsa.jwk, e, kid: `rsa-e${value}` }] });
      refused = [];
      verify = fresh();
      await assertRefused(verify, idp.sign(idp.claims(), { kid: `rsa-e${value}` }), 'invalid_token', /no issuer key/);
      assertOnlyRefused({ kid: `rsa-e${value}`, reason: `RSA public exponent ${value} is unsafe` });
    });
  }

  it('refuses a symmetric (oct) key from the JWKS, even with HS256 allowed: HMAC uses only the configured secret', async () => {
    const k = Buffer.alloc(32, 9);
    idp.setJwks({ keys: [{ kty: 'oct', k: b64u(k), kid: 'hmac', alg: 'HS256' }, idp.rsa.jwk] });
    refused = [];
    verify = fresh(['RS256', 'HS256'], 'configured-secret-of-at-least-32-bytes');
    await assertRefused(verify, idp.signRaw(JSON.stringify({ alg: 'HS256', kid: 'hmac' }), JSON.stringify(idp.claims()), { hmacKey: k }), 'invalid_token', /signature/);
    // The key set loads lazily, on the first token that needs an issuer key.
    await verify(idp.sign(idp.claims()));
    assertOnlyRefused({ kid: 'hmac', reason: 'symmetric keys are not accepted from a JWKS' });
  });

  it('refuses a key marked for encryption (use: enc)', async () => {
    idp.setJwks({ keys: [{ ...idp.rsa.jwk, use: 'enc', alg: 'RSA-OAEP' }] });
    refused = [];
    verify = fresh();
    await assertRefused(verify, idp.sign(idp.claims()), 'invalid_token', /no issuer key/);
    assertOnlyRefused({ kid: 'rsa-1', reason: "use 'enc' is not 'sig'" });
  });

  it('keeps only the public part of a key published with its private part', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const leaked = { ...privateKey.export({ format: 'jwk' }), kid: 'leaky', alg: 'RS256', use: 'sig' };
    idp.setJwks({ keys: [leaked] });
    refused = [];
    verify = fresh();
    const held = { kid: 'leaky', alg: 'RS256' as const, privateKey, publicKey: createPublicKey(privateKey), jwk: leaked };
    assert.equal((await verify(idp.sign(idp.claims(), {}, held))).payload.sub, 'mallory');
  });

  it('answers keys_unavailable (503, not 401) for a JWKS that is not JSON, and never allows', async () => {
    idp.setJwks('not a key set');
    verify = fresh();
    await assert.rejects(verify(idp.sign(idp.claims())), (err: any) => err.code === 'keys_unavailable' && err.status === 503);
  });
});
