import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject, type webcrypto } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import { createJwtVerify } from '../../src/token/verify-jwt.ts';
import { readCompact } from '../../src/token/verify-signature.ts';
import { createKeyResolver, createTokenVerifier, type TokenVerifierOptions } from '../../src/token/verify-token.ts';
import { checkCompactJws } from '../../src/token/check-compact.ts';
import { checkJoseJson } from '../../src/token/check-jose-json.ts';
import { toTokenError } from '../../src/token/token-error.ts';

/**
 * Protects the claim in src/token/verify-jwt.ts: checking asymmetric signatures with node:crypto
 * instead of jose's WebCrypto path refuses and accepts exactly what jwtVerify does. One corpus of
 * tokens runs under several configurations through (1) createJwtVerify and plain jose jwtVerify
 * with the same resolver and options: same outcome, and for a refusal the same error class,
 * message and claim; (2) the whole createTokenVerifier and the pipeline as it was before
 * (canonical form, strict JSON, jwtVerify, toTokenError): same SidecarError code and message.
 */
const ISSUER = 'https://idp.example.com/realms/demo';
const SECRET = 'a configured HMAC secret of 32+ bytes';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');

const pair = (type: 'rsa', bits: number) => generateKeyPairSync(type, { modulusLength: bits });
const curve = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
const KEYS = {
  rsa: pair('rsa', 2048),
  other: pair('rsa', 2048),
  short: pair('rsa', 1024),
  p256: curve('P-256'),
  p384: curve('P-384'),
  p521: curve('P-521'),
  ed: generateKeyPairSync('ed25519'),
};
type KeyName = keyof typeof KEYS;
const PUBLISHED: KeyName[] = ['rsa', 'short', 'p256', 'p384', 'p521', 'ed'];
const jwks = createLocalJWKSet({ keys: await Promise.all(PUBLISHED.map(async (kid) => ({ ...(await exportJWK(KEYS[kid].publicKey)), kid }))) });

const SHA: Record<string, string> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
/** How to sign: another key, DER for ECDSA, a PSS salt length, another algorithm than the header's, an HMAC key. */
interface Signing { key?: KeyName; der?: boolean; saltLength?: number; signAs?: string; hmacKey?: string | Buffer }

/** Signs `input` as `alg` says (or as `how` overrides), with node:crypto. */
function signature(alg: string, input: string, how: Signing = {}): Buffer {
  const bits = alg.slice(2);
  const data = Buffer.from(input);
  const key = (name: KeyName): KeyObject => KEYS[name].privateKey;
  if (alg.startsWith('HS')) return createHmac(SHA[bits]!, how.hmacKey ?? SECRET).update(data).digest();
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, data, key(how.key ?? 'ed'));
  if (alg.startsWith('ES')) {
    const named = how.key ?? ({ 256: 'p256', 384: 'p384', 512: 'p521' } as const)[bits as '256'];
    return sign(SHA[bits]!, data, { key: key(named), dsaEncoding: how.der ? 'der' : 'ieee-p1363' });
  }
  const rsa = key(how.key ?? 'rsa');
  if (alg.startsWith('PS')) {
    return sign(SHA[bits]!, data, { key: rsa, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: how.saltLength ?? Number(bits) / 8 });
  }
  return sign(SHA[bits]!, data, rsa);
}

/** A token: header members (alg and kid first), claims (undefined removes a default), signing choices. */
function token(header: Record<string, unknown>, claims: Record<string, unknown> = {}, how: Signing = {}): string {
  const payload: Record<string, unknown> = { iss: ISSUER, aud: 'orders-api', sub: 'alice', exp: now() + 3600, iat: now() - 5, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return raw(JSON.stringify(header), JSON.stringify(payload), how);
}
function raw(header: string | Buffer, payload: string | Buffer, how: Signing = {}): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const alg = how.signAs ?? (JSON.parse(Buffer.from(header).toString('utf8')) as { alg?: unknown }).alg;
  return `${input}.${b64(signature(typeof alg === 'string' && alg !== '' ? alg : 'RS256', input, how))}`;
}
/** The token with its segments changed by `change`. */
const mangle = (t: string, change: (h: string, p: string, s: Buffer) => string) => { const [h, p, s] = t.split('.'); return change(h!, p!, Buffer.from(s!, 'base64url')); };
const flip = (s: Buffer, i: number, bit: number) => { const copy = Buffer.from(s); copy[i]! ^= bit; return b64(copy); };
const admin = () => b64(JSON.stringify({ iss: ISSUER, aud: 'orders-api', sub: 'admin', exp: now() + 3600 }));
const kid = { RS: 'rsa', PS: 'rsa', ES256: 'p256', ES384: 'p384', ES512: 'p521', Ed: 'ed', HS: undefined } as const;
const kidOf = (alg: string): string | undefined => (kid as Record<string, string | undefined>)[alg] ?? (kid as Record<string, string | undefined>)[alg.slice(0, 2)];
const good = (alg: string, claims: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => token({ alg, ...(kidOf(alg) ? { kid: kidOf(alg) } : {}), ...extra }, claims);

/** Keys a resolver might hand back that do not fit the token's algorithm (jose refuses each, or accepts a KeyObject or JWK). */
const ROGUE = {
  'P-384 key for ES256': () => importJWK(exportJwk('p384'), 'ES384'),
  'RSA-PSS key for RS256': () => importJWK(exportJwk('rsa'), 'PS256'),
  'RS384 key for RS256': () => importJWK(exportJwk('rsa'), 'RS384'),
  'ECDSA key for EdDSA': () => importJWK(exportJwk('p256'), 'ES256'),
  '1024-bit RSA key for RS256': () => importJWK(exportJwk('short'), 'RS256'),
  'private key for RS256': async () => (await generateKeyPair('RS256')).privateKey,
  'secret bytes for RS256': async () => new TextEncoder().encode(SECRET),
  'KeyObject for RS256': async () => KEYS.rsa.publicKey,
  'JWK object for RS256': async () => exportJwk('rsa'),
  'CryptoKey without verify usage for RS256': () => crypto.subtle.importKey('jwk', exportJwk('rsa') as webcrypto.JsonWebKey, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, []),
} satisfies Record<string, () => Promise<unknown>>;
function exportJwk(name: KeyName): JWK { return KEYS[name].publicKey.export({ format: 'jwk' }) as JWK; }

interface Case { name: string; token: string; rogue?: keyof typeof ROGUE; accept?: boolean }
const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const CORPUS: Case[] = [
  ...ALGS.map((alg) => ({ name: `valid ${alg}`, token: good(alg), accept: true })),
  { name: 'valid HS256 (secret configured in one configuration only)', token: good('HS256') },
  { name: 'valid RS256, typ at+jwt', token: good('RS256', {}, { typ: 'at+jwt' }), accept: true },
  { name: 'valid ES256, typ application/AT+JWT', token: good('ES256', {}, { typ: 'application/AT+JWT' }), accept: true },
  { name: 'typ JWT', token: good('RS256', {}, { typ: 'JWT' }), accept: true },
  { name: 'typ that is a number', token: good('RS256', {}, { typ: 7 }), accept: true },
  { name: 'aud as a list naming us', token: good('ES256', { aud: ['x', 'orders-api'] }), accept: true },
  { name: 'expired', token: good('RS256', { exp: now() - 3600 }), accept: false },
  { name: 'expired within the clock tolerance', token: good('ES256', { exp: now() - 10 }), accept: true },
  { name: 'nbf in the future', token: good('RS256', { nbf: now() + 3600 }), accept: false },
  { name: 'nbf within the clock tolerance', token: good('PS256', { nbf: now() + 10 }), accept: true },
  { name: 'nbf as a string', token: good('ES256', { nbf: 'soon' }), accept: false },
  { name: 'iat in the future (jose accepts; verify-token refuses after it)', token: good('RS256', { iat: now() + 3600 }), accept: true },
  { name: 'exp 1e400 (Infinity)', token: raw(JSON.stringify({ alg: 'RS256', kid: 'rsa' }), `{"iss":"${ISSUER}","aud":"orders-api","sub":"a","exp":1e400}`), accept: true },
  { name: 'empty sub', token: good('EdDSA', { sub: '' }), accept: true },
  { name: 'no sub', token: good('RS256', { sub: undefined }), accept: false },
  { name: 'no exp', token: good('ES256', { exp: undefined }), accept: false },
  { name: 'exp as a string', token: good('RS256', { exp: String(now() + 60) }), accept: false },
  { name: 'wrong iss', token: good('RS256', { iss: 'https://evil.example' }), accept: false },
  { name: 'no iss', token: good('ES384', { iss: undefined }), accept: false },
  { name: 'wrong aud', token: good('ES256', { aud: 'someone-else' }), accept: false },
  { name: 'no aud', token: good('EdDSA', { aud: undefined }), accept: false },
  { name: 'payload that is a list', token: raw(JSON.stringify({ alg: 'RS256', kid: 'rsa' }), '[1]'), accept: false },
  { name: 'payload that is not JSON', token: raw(JSON.stringify({ alg: 'ES256', kid: 'p256' }), 'not json'), accept: false },
  { name: 'payload with invalid UTF-8', token: raw(JSON.stringify({ alg: 'RS256', kid: 'rsa' }), Buffer.from([0x7b, 0xff, 0x7d])), accept: false },
  { name: 'duplicate sub in the payload', token: raw(JSON.stringify({ alg: 'RS256', kid: 'rsa' }), `{"iss":"${ISSUER}","aud":"orders-api","sub":"a","sub":"b","exp":${now() + 60}}`) },
  ...['RS256', 'PS384', 'ES256', 'EdDSA'].map((alg) => ({ name: `tampered ${alg} payload`, token: mangle(good(alg), (h, _p, s) => `${h}.${admin()}.${b64(s)}`), accept: false })),
  ...['RS256', 'PS256', 'ES512', 'Ed25519'].map((alg) => ({ name: `tampered ${alg} signature (one bit)`, token: mangle(good(alg), (h, p, s) => `${h}.${p}.${flip(s, 10, 1)}`), accept: false })),
  { name: 'RSA signature one byte short', token: mangle(good('RS256'), (h, p, s) => `${h}.${p}.${b64(s.subarray(1))}`), accept: false },
  { name: 'RSA signature one zero byte longer', token: mangle(good('RS256'), (h, p, s) => `${h}.${p}.${b64(Buffer.concat([Buffer.alloc(1), s]))}`), accept: false },
  { name: 'ES256 signature one byte short', token: mangle(good('ES256'), (h, p, s) => `${h}.${p}.${b64(s.subarray(1))}`), accept: false },
  { name: 'ES256 signature all zeros (CVE-2022-21449)', token: mangle(good('ES256'), (h, p) => `${h}.${p}.${b64(Buffer.alloc(64))}`), accept: false },
  { name: 'Ed25519 signature one byte short', token: mangle(good('EdDSA'), (h, p, s) => `${h}.${p}.${b64(s.subarray(1))}`), accept: false },
  { name: 'signed by a key not in the JWKS under its kid', token: token({ alg: 'RS256', kid: 'rsa' }, {}, { key: 'other' }), accept: false },
  { name: 'ECDSA signature DER-encoded', token: token({ alg: 'ES256', kid: 'p256' }, {}, { der: true }), accept: false },
  { name: 'ES384 signature DER-encoded', token: token({ alg: 'ES384', kid: 'p384' }, {}, { der: true }), accept: false },
  { name: 'PS256 with salt length 0', token: token({ alg: 'PS256', kid: 'rsa' }, {}, { saltLength: 0 }), accept: false },
  { name: 'PS256 with salt length 64', token: token({ alg: 'PS256', kid: 'rsa' }, {}, { saltLength: 64 }), accept: false },
  { name: 'PS256 header on a PKCS#1 v1.5 signature', token: token({ alg: 'PS256', kid: 'rsa' }, {}, { signAs: 'RS256' }), accept: false },
  { name: 'RS256 header on a PSS signature', token: token({ alg: 'RS256', kid: 'rsa' }, {}, { signAs: 'PS256' }), accept: false },
  { name: 'RS256 header on an RS384 signature', token: token({ alg: 'RS256', kid: 'rsa' }, {}, { signAs: 'RS384' }), accept: false },
  { name: 'ES256 header on an RS256 signature', token: token({ alg: 'ES256', kid: 'p256' }, {}, { signAs: 'RS256' }), accept: false },
  { name: 'ES256 header with the kid of an RSA key', token: token({ alg: 'ES256', kid: 'rsa' }, {}, { key: 'p256' }), accept: false },
  { name: 'ES256 header with the kid of the P-384 key', token: token({ alg: 'ES256', kid: 'p384' }), accept: false },
  { name: 'ES384 header signed with P-256', token: token({ alg: 'ES384', kid: 'p384' }, {}, { key: 'p256' }), accept: false },
  { name: 'RS256 with the 1024-bit key', token: token({ alg: 'RS256', kid: 'short' }, {}, { key: 'short' }), accept: false },
  { name: 'PS256 with the 1024-bit key', token: token({ alg: 'PS256', kid: 'short' }, {}, { key: 'short', saltLength: 32 }), accept: false },
  { name: 'no kid (one RSA key matches)', token: token({ alg: 'RS256' }), accept: false },
  { name: 'unknown kid', token: token({ alg: 'RS256', kid: 'nope' }), accept: false },
  { name: 'kid that is a number', token: token({ alg: 'RS256', kid: 1 }), accept: false },
  { name: 'alg none', token: `${b64('{"alg":"none"}')}.${good('RS256').split('.')[1]}.`, accept: false },
  { name: 'alg none with a signature', token: token({ alg: 'none', kid: 'rsa' }, {}, { signAs: 'RS256' }), accept: false },
  { name: 'no alg', token: token({ kid: 'rsa' }), accept: false },
  { name: 'alg empty', token: token({ alg: '', kid: 'rsa' }), accept: false },
  { name: 'alg that is a number', token: raw('{"alg":256,"kid":"rsa"}', JSON.stringify({ iss: ISSUER, aud: 'orders-api', sub: 'a', exp: now() + 60 })), accept: false },
  { name: 'alg outside the allow-list (ML-DSA-44)', token: token({ alg: 'ML-DSA-44', kid: 'rsa' }, {}, { signAs: 'RS256' }), accept: false },
  { name: 'HS256 keyed with the RSA public key PEM', token: token({ alg: 'HS256', kid: 'rsa' }, {}, { hmacKey: KEYS.rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string }), accept: false },
  { name: 'HS256 keyed with the JWK n', token: token({ alg: 'HS256' }, {}, { hmacKey: Buffer.from(exportJwk('rsa').n!, 'base64url') }), accept: false },
  { name: 'crit b64 with b64 true (jose accepts)', token: good('RS256', {}, { crit: ['b64'], b64: true }), accept: true },
  { name: 'crit b64 with b64 false', token: good('RS256', {}, { crit: ['b64'], b64: false }), accept: false },
  { name: 'b64 false without crit (ignored by jose)', token: good('ES256', {}, { b64: false }), accept: true },
  { name: 'crit with an unknown extension', token: good('RS256', {}, { crit: ['x-ext'], 'x-ext': 1 }), accept: false },
  { name: 'crit naming exp', token: good('ES256', {}, { crit: ['exp'] }), accept: false },
  { name: 'crit empty', token: good('RS256', {}, { crit: [] }), accept: false },
  { name: 'crit a string', token: good('EdDSA', {}, { crit: 'b64' }), accept: false },
  { name: 'crit b64 with b64 a string', token: good('RS256', {}, { crit: ['b64'], b64: 'no' }), accept: false },
  ...(['jku', 'x5u', 'jwk', 'x5c'] as const).map((h) => ({ name: `${h} header`, token: good('RS256', {}, { [h]: h === 'x5c' ? ['AAAA'] : h === 'jwk' ? exportJwk('rsa') : 'https://evil.example/k' }), accept: false })),
  { name: 'header that is a list', token: raw('["RS256"]', '{}'), accept: false },
  { name: 'header that is not JSON', token: mangle(good('RS256'), (_h, p, s) => `${b64('{alg')}.${p}.${b64(s)}`), accept: false },
  { name: 'header with invalid UTF-8', token: raw(Buffer.from([0x7b, 0x22, 0x61, 0x6c, 0x67, 0x22, 0x3a, 0x22, 0x52, 0x53, 0x32, 0x35, 0x36, 0x22, 0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), '{}'), accept: false },
  { name: 'header with a BOM (jose accepts; checkJoseJson refuses before it)', token: raw(`\ufeff${JSON.stringify({ alg: 'RS256', kid: 'rsa' })}`, JSON.stringify({ iss: ISSUER, aud: 'orders-api', sub: 'a', exp: now() + 60 }), { signAs: 'RS256' }), accept: true },
  { name: 'padding after the signature (jose accepts; checkCompactJws refuses before it)', token: `${good('RS256')}==`, accept: true },
  { name: 'standard base64 in the payload', token: mangle(good('RS256', { name: '\u00ff\u00fe\u00fb\u00fe' }), (h, p, s) => `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}.${b64(s)}`) },
  { name: 'standard base64 in the signature', token: mangle(good('RS256'), (h, p, s) => `${h}.${p}.${Buffer.concat([Buffer.from([0xfb, 0xff]), s.subarray(2)]).toString('base64').replace(/=+$/, '')}`) },
  { name: 'signature segment of a length no base64 has (4n + 1)', token: `${good('ES256')}AAA` },
  { name: 'four segments', token: `${good('RS256')}.x`, accept: false },
  ...(Object.keys(ROGUE) as (keyof typeof ROGUE)[]).map((rogue) => ({ name: `resolver returns a ${rogue}`, rogue, token: good(rogue.endsWith('EdDSA') ? 'EdDSA' : rogue.endsWith('ES256') ? 'ES256' : 'RS256') })),
];

interface Config { name: string; options: TokenVerifierOptions }
const base: TokenVerifierOptions = { issuer: ISSUER, audience: ['orders-api'], algorithms: ALGS, clockToleranceSeconds: 30, maxBytes: 8192, typ: undefined, hmacSecret: undefined, keys: jwks };
const CONFIGS: Config[] = [
  { name: 'default: every asymmetric algorithm, an audience', options: base },
  { name: 'typ at+jwt, RS256 and ES256 only', options: { ...base, algorithms: ['RS256', 'ES256'], typ: 'at+jwt' } },
  { name: 'HS256 with a secret, no audience', options: { ...base, algorithms: ['RS256', 'PS256', 'EdDSA', 'HS256'], hmacSecret: SECRET, audience: undefined } },
];

/** The options createTokenVerifier gives jose (src/token/verify-token.ts). */
const joseOptions = (o: TokenVerifierOptions) => ({
  algorithms: [...o.algorithms], issuer: o.issuer, ...(o.audience ? { audience: [...o.audience] } : {}), ...(o.typ ? { typ: o.typ } : {}),
  clockTolerance: o.clockToleranceSeconds, requiredClaims: ['exp', 'sub'],
});

async function keysFor(c: Case): Promise<JWTVerifyGetKey> {
  if (c.rogue === undefined) return jwks;
  const key = await ROGUE[c.rogue]();
  return async () => key as never;
}

type Outcome = { accepted: unknown } | { refused: Record<string, unknown> };
async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { accepted: await run() };
  } catch (err) {
    const e = err as Error & Record<string, unknown>;
    return { refused: { class: e.constructor.name, message: e.message, code: e['code'], claim: e['claim'], reason: e['reason'] } };
  }
}

/** verify-token.ts before the synchronous path: the same steps around plain jose jwtVerify. */
function before(o: TokenVerifierOptions): (t: string) => Promise<unknown> {
  const getKey = createKeyResolver(o);
  return async (t) => {
    checkCompactJws(t, o.maxBytes);
    checkJoseJson(t.split('.')[0]!, 'header');
    checkJoseJson(t.split('.')[1]!, 'claims');
    try {
      return await jwtVerify(t, getKey, joseOptions(o));
    } catch (err) {
      throw toTokenError(err);
    }
  };
}

/** Refused by verify-token.ts's own checks after jose accepted (the same code on both paths). */
const AFTER_JOSE = /^"sub" must be a non-empty string$|^claim "exp" must be a finite number$|^claim "iat" is in the future$/;

for (const config of CONFIGS) {
  describe(`the synchronous path agrees with jose (${config.name})`, () => {
    for (const c of CORPUS) {
      test(c.name, async () => {
        const o = { ...config.options, keys: await keysFor(c) };
        const getKey = createKeyResolver(o);
        const ours = await outcome(async () => { const r = await createJwtVerify(getKey, joseOptions(o))(c.token); return { payload: r.payload, header: r.protectedHeader }; });
        const jose = await outcome(async () => { const r = await jwtVerify(c.token, getKey, joseOptions(o)); return { payload: r.payload, header: r.protectedHeader }; });
        assert.deepEqual(ours, jose);
        if (config === CONFIGS[0] && c.accept !== undefined) assert.equal('accepted' in jose, c.accept, `the corpus entry means what it says: ${JSON.stringify(jose)}`);

        const sidecar = await outcome(() => createTokenVerifier(o)(c.token));
        const reference = await outcome(() => before(o)(c.token));
        if ('refused' in sidecar && 'accepted' in reference) assert.match(String(sidecar.refused['message']), AFTER_JOSE);
        else assert.deepEqual(toComparable(sidecar), toComparable(reference));
      });
    }
  });
}

/** Accepted, or the SidecarError's code and message. */
const toComparable = (o: Outcome) => ('accepted' in o ? 'accepted' : { code: o.refused['code'], message: o.refused['message'], class: o.refused['class'] });

test('the corpus exercises both paths: most tokens are taken by readCompact, the rest go to jose whole', () => {
  const algorithms = new Set(CONFIGS[0]!.options.algorithms);
  const sync = CORPUS.filter((c) => readCompact(c.token, algorithms) !== undefined).length;
  assert.ok(sync >= 60 && CORPUS.length - sync >= 15, `${sync} of ${CORPUS.length} taken`);
});

test('every asymmetric algorithm verifies without WebCrypto; HS256 still goes through it (jose)', async (t) => {
  let calls = 0;
  const subtleVerify = crypto.subtle.verify;
  t.mock.method(crypto.subtle, 'verify', function (this: webcrypto.SubtleCrypto, ...args: Parameters<webcrypto.SubtleCrypto['verify']>) {
    calls++;
    return subtleVerify.apply(this, args);
  });
  const o = { ...base, algorithms: [...ALGS, 'HS256'], hmacSecret: SECRET };
  const verify = createJwtVerify(createKeyResolver(o), joseOptions(o));
  for (const alg of ALGS) await verify(good(alg));
  assert.equal(calls, 0);
  await verify(good('HS256'));
  assert.equal(calls, 1);
});
