import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sign as cryptoSign, KeyObject } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from '../../src/token/verify-token.ts';
import { SidecarError, type ErrorCode } from '../../src/errors/sidecar-error.ts';
import { rejectsWithCode } from '../helpers/rejects-with-code.ts';

const ISSUER = 'https://idp.example.com/realms/demo';
const SECRET = 's'.repeat(32);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
let publicJwk: JWK;
let jwks: ReturnType<typeof createLocalJWKSet>;

before(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  other = await generateKeyPair('RS256', { extractable: true });
  ec = await generateKeyPair('ES256', { extractable: true });
  publicJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1' };
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec1' };
  jwks = createLocalJWKSet({ keys: [publicJwk, ecJwk] });
});

function verifier(overrides: Partial<TokenVerifierOptions> = {}): TokenVerifier {
  return createTokenVerifier({
    issuer: ISSUER,
    audience: ['orders-api'],
    algorithms: ['RS256', 'ES256'],
    clockToleranceSeconds: 30,
    maxBytes: 8192,
    typ: undefined,
    hmacSecret: undefined,
    keys: jwks,
    ...overrides,
  });
}

interface SignOptions {
  header?: Record<string, unknown>;
  key?: CryptoKey | Uint8Array;
  alg?: string;
  kid?: string | undefined;
}

/** A token with default claims (iss, aud, sub, exp in an hour); `undefined` removes a claim. */
async function sign(claims: Record<string, unknown> = {}, options: SignOptions = {}): Promise<string> {
  const payload: Record<string, unknown> = { iss: ISSUER, aud: 'orders-api', sub: 'alice', exp: now() + 3600, iat: now(), ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const alg = options.alg ?? 'RS256';
  const kid = 'kid' in options ? options.kid : 'k1';
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({ alg, ...(kid === undefined ? {} : { kid }), ...options.header })
    .sign(options.key ?? rsa.privateKey);
}

/** An RS256 token with any header, signed by hand with the k1 key (SignJWT refuses some headers). */
function rawSign(header: Record<string, unknown>, claims: Record<string, unknown> = {}): string {
  const payload = { iss: ISSUER, aud: 'orders-api', sub: 'alice', exp: now() + 3600, ...claims };
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = cryptoSign('sha256', Buffer.from(input), KeyObject.from(rsa.privateKey));
  return `${input}.${signature.toString('base64url')}`;
}

function rejects(token: string | Promise<string>, v: TokenVerifier = verifier(), code: ErrorCode = 'invalid_token', message?: RegExp): Promise<SidecarError> {
  return rejectsWithCode(Promise.resolve(token).then(v), code, 401, message);
}

describe('accepted tokens', () => {
  test('a valid RS256 token returns its payload and header', async () => {
    const { payload, header } = await verifier()(await sign({ scope: 'openid' }));
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.iss, ISSUER);
    assert.equal(payload['scope'], 'openid');
    assert.equal(header.alg, 'RS256');
    assert.equal(header.kid, 'k1');
  });

  test('a valid ES256 token is accepted', async () => {
    const { payload } = await verifier()(await sign({}, { alg: 'ES256', kid: 'ec1', key: ec.privateKey }));
    assert.equal(payload.sub, 'alice');
  });

  test('aud as a list containing an accepted audience is accepted', async () => {
    await verifier()(await sign({ aud: ['other-api', 'orders-api'] }));
  });

  test('any of several configured audiences is accepted', async () => {
    await verifier({ audience: ['billing-api', 'orders-api'] })(await sign());
  });
});

describe('time claims', () => {
  test('a token expired beyond the 30 s tolerance is rejected', async () => {
    await rejects(sign({ exp: now() - 60 }), verifier(), 'invalid_token', /expired/);
  });

  test('a token expired within the 30 s tolerance is accepted', async () => {
    await verifier()(await sign({ exp: now() - 10 }));
  });

  test('with tolerance 0, a just-expired token is rejected', async () => {
    await rejects(sign({ exp: now() - 2 }), verifier({ clockToleranceSeconds: 0 }));
  });

  test('nbf in the future beyond the tolerance is rejected', async () => {
    await rejects(sign({ nbf: now() + 120 }), verifier(), 'invalid_token', /nbf/);
  });

  test('nbf in the future within the tolerance is accepted', async () => {
    await verifier()(await sign({ nbf: now() + 10 }));
  });

  test('a missing exp is rejected', async () => {
    await rejects(sign({ exp: undefined }), verifier(), 'invalid_token', /exp/);
  });

  test('a non-numeric exp is rejected', async () => {
    await rejects(sign({ exp: String(now() + 3600) }));
  });
});

describe('issuer, audience, subject', () => {
  test('a wrong iss is rejected', async () => {
    await rejects(sign({ iss: 'https://evil.example.com' }), verifier(), 'invalid_token', /iss/);
  });

  test('iss is compared exactly (no trailing-slash normalisation)', async () => {
    await rejects(sign({ iss: `${ISSUER}/` }));
  });

  test('a missing iss is rejected', async () => {
    await rejects(sign({ iss: undefined }));
  });

  test('a wrong aud is rejected', async () => {
    await rejects(sign({ aud: 'billing-api' }), verifier(), 'invalid_token', /aud/);
  });

  test('a missing aud is rejected when an audience is configured', async () => {
    await rejects(sign({ aud: undefined }), verifier(), 'invalid_token', /aud/);
  });

  test('aud is not checked when no audience is configured', async () => {
    const v = verifier({ audience: undefined });
    await v(await sign({ aud: 'anything' }));
    await v(await sign({ aud: undefined }));
  });

  test('a missing sub is rejected', async () => {
    await rejects(sign({ sub: undefined }), verifier(), 'invalid_token', /sub/);
  });

  test('an empty sub is rejected', async () => {
    await rejects(sign({ sub: '' }), verifier(), 'invalid_token', /sub/);
  });

  test('a non-string sub is rejected', async () => {
    await rejects(sign({ sub: 42 }));
    await rejects(sign({ sub: ['alice'] }));
  });
});

describe('algorithms', () => {
  test('an algorithm outside the allow-list is rejected', async () => {
    const psKey = await importPKCS8(await exportPKCS8(rsa.privateKey), 'PS256');
    const ps256 = await sign({}, { alg: 'PS256', key: psKey });
    await verifier({ algorithms: ['RS256', 'PS256'] })(ps256); // the same token passes once PS256 is allowed
    await rejects(ps256, verifier(), 'invalid_token', /algorithm/);
    await rejects(sign({}, { alg: 'ES256', kid: 'ec1', key: ec.privateKey }), verifier({ algorithms: ['RS256'] }), 'invalid_token', /algorithm/);
  });

  test('alg none with an empty signature is rejected by the compact check', async () => {
    const token = `${b64({ alg: 'none' })}.${b64({ iss: ISSUER, aud: 'orders-api', sub: 'admin', exp: now() + 3600 })}.`;
    await rejects(token);
  });

  test('alg none with a non-empty signature is rejected', async () => {
    const token = `${b64({ alg: 'none' })}.${b64({ iss: ISSUER, aud: 'orders-api', sub: 'admin', exp: now() + 3600 })}.${b64('x')}`;
    await rejects(token, verifier(), 'invalid_token', /algorithm/);
  });

  test('alg None/NONE spellings are rejected', async () => {
    for (const alg of ['None', 'NONE', 'nOnE']) {
      await rejects(`${b64({ alg })}.${b64({ iss: ISSUER, aud: 'orders-api', sub: 'admin', exp: now() + 3600 })}.${b64('x')}`);
    }
  });

  test('an HS256 token is rejected when no HMAC secret is configured, even if HS256 is listed', async () => {
    const token = sign({}, { alg: 'HS256', key: new TextEncoder().encode(SECRET) });
    await rejects(token, verifier({ algorithms: ['RS256', 'HS256'] }), 'invalid_token', /HS256/);
  });

  test('an HS256 token signed with the public key as secret is rejected (key confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const token = sign({}, { alg: 'HS256', key: new TextEncoder().encode(pem) });
    await rejects(token, verifier({ algorithms: ['RS256', 'HS256'] }));
    await rejects(token, verifier({ algorithms: ['RS256', 'HS256'], hmacSecret: SECRET }));
  });

  test('an HS256 token is rejected when HS256 is not in the allow-list', async () => {
    await rejects(sign({}, { alg: 'HS256', key: new TextEncoder().encode(SECRET) }), verifier({ hmacSecret: SECRET }));
  });

  test('an HS256 token with the configured secret is accepted', async () => {
    const v = verifier({ algorithms: ['HS256'], hmacSecret: SECRET });
    const { payload } = await v(await sign({}, { alg: 'HS256', key: new TextEncoder().encode(SECRET) }));
    assert.equal(payload.sub, 'alice');
  });

  test('an HS256 token with another secret is rejected', async () => {
    const v = verifier({ algorithms: ['HS256'], hmacSecret: SECRET });
    await rejects(sign({}, { alg: 'HS256', key: new TextEncoder().encode('t'.repeat(32)) }), v, 'invalid_token', /signature/);
  });
});

describe('keys', () => {
  test('a signature by another key with the same kid is rejected', async () => {
    await rejects(sign({}, { key: other.privateKey }), verifier(), 'invalid_token', /signature/);
  });

  test('an unknown kid is rejected', async () => {
    await rejects(sign({}, { kid: 'unknown' }), verifier(), 'invalid_token', /key/);
  });

  test('a tampered payload is rejected', async () => {
    const [h, , s] = (await sign()).split('.');
    const forged = `${h}.${b64({ iss: ISSUER, aud: 'orders-api', sub: 'admin', exp: now() + 3600 })}.${s}`;
    await rejects(forged, verifier(), 'invalid_token', /signature/);
  });

  for (const name of ['jku', 'x5u', 'jwk', 'x5c'] as const) {
    test(`a token with a '${name}' header is rejected, naming the header`, async () => {
      const value =
        name === 'jwk' ? publicJwk : name === 'x5c' ? ['MIIB'] : `https://evil.example.com/${name}`;
      await rejects(sign({}, { header: { [name]: value } }), verifier(), 'invalid_token', new RegExp(`'${name}'`));
    });
  }

  test('an embedded jwk of the attacker is not used to verify', async () => {
    const attackerJwk = { ...(await exportJWK(other.publicKey)), kid: 'k1' };
    await rejects(sign({}, { key: other.privateKey, header: { jwk: attackerJwk } }), verifier(), 'invalid_token', /'jwk'/);
  });
});

describe('typ', () => {
  test('the configured typ is required', async () => {
    await rejects(sign(), verifier({ typ: 'at+jwt' }), 'invalid_token', /typ/);
  });

  test('a mismatched typ is rejected', async () => {
    await rejects(sign({}, { header: { typ: 'JWT' } }), verifier({ typ: 'at+jwt' }), 'invalid_token', /typ/);
  });

  test('the configured typ is accepted', async () => {
    await verifier({ typ: 'at+jwt' })(await sign({}, { header: { typ: 'at+jwt' } }));
  });

  test('typ is not checked when not configured', async () => {
    await verifier()(await sign({}, { header: { typ: 'whatever' } }));
  });
});

describe('form and size', () => {
  test('a token larger than maxBytes is token_too_large', async () => {
    const token = await sign({ pad: 'x'.repeat(600) });
    await rejects(token, verifier({ maxBytes: 512 }), 'token_too_large');
  });

  test('a padded token is rejected before jose sees it', async () => {
    const [h, p, s] = (await sign()).split('.');
    await rejects(`${h}.${p}.${s}=`);
  });

  test('a hand-signed token verifies (control for the crit test)', async () => {
    await verifier()(rawSign({ alg: 'RS256', kid: 'k1' }));
  });

  test('a token with an unknown crit header is rejected', async () => {
    await rejects(rawSign({ alg: 'RS256', kid: 'k1', crit: ['exp-x'], 'exp-x': 1 }));
  });

  test('an unencoded payload (b64: false) is rejected', async () => {
    const header = b64({ alg: 'RS256', kid: 'k1', b64: false, crit: ['b64'] });
    await rejects(`${header}.${b64({ sub: 'alice' })}.${b64('sig')}`);
  });

  test('a payload that is not a JSON object is rejected', async () => {
    const header = b64({ alg: 'RS256', kid: 'k1' });
    await rejects(`${header}.${b64(['alice'])}.${b64('sig')}`);
    await rejects(`${header}.${Buffer.from('not json').toString('base64url')}.${b64('sig')}`);
  });

  test('a header that is not JSON is rejected', async () => {
    await rejects(`${Buffer.from('{alg').toString('base64url')}.${b64({ sub: 'a' })}.${b64('sig')}`);
  });

  test('a JWE-shaped token is rejected', async () => {
    await rejects(`${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.AAAA.AAAA.AAAA.AAAA`, verifier(), 'invalid_token', /JWE/);
  });
});
