import { generateKeyPairSync } from 'node:crypto';
import assert from 'node:assert/strict';
import { SidecarError, type ErrorCode } from '../../src/errors/sidecar-error.ts';
import type { TokenVerifier } from '../../src/token/verify-token.ts';
import { b64u, rsaKey, signingInput, signWith, type AttackIdp, type HeldKey } from '../helpers/attack-idp.ts';

/**
 * The JWT attack catalogue. Every entry builds a token that must end in 401 with `code`, and
 * never in an allow: the claims always carry `roles: ["admin"]`, which the sample policy
 * allows for every route, so a token that slipped through would be visible as `allow: true`.
 * The same list runs through the verification module (jwt-attacks.test.ts) and the real HTTP
 * API (jwt-attacks-http.test.ts).
 */
export interface JwtAttack {
  readonly name: string;
  readonly token: (idp: AttackIdp) => string;
  /** Defaults to `invalid_token`. */
  readonly code?: ErrorCode;
  /** What the refusal must mention, so the attack is refused for the right reason. */
  readonly reason: RegExp;
}

const now = (): number => Math.floor(Date.now() / 1000);
/** Clock tolerance of the default configuration, in seconds. */
export const TOLERANCE = 30;

const attacker = rsaKey('rsa-1');
const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function withSignature(idp: AttackIdp, header: Record<string, unknown>, signature: Buffer | string, claims = idp.claims()): string {
  return `${signingInput(JSON.stringify(header), JSON.stringify(claims))}.${typeof signature === 'string' ? signature : b64u(signature)}`;
}

/** The issuer's RSA public key spelled every way an HS256 confusion attack may use it as a secret. */
function rsaPublicKeyAsSecrets(key: HeldKey): Record<string, Buffer> {
  const pem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const pkcs1 = key.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  return {
    'PEM with trailing newline': Buffer.from(pem),
    'PEM without trailing newline': Buffer.from(pem.trimEnd()),
    'PKCS#1 PEM': Buffer.from(pkcs1),
    DER: key.publicKey.export({ type: 'spki', format: 'der' }),
    'JWK JSON': Buffer.from(JSON.stringify(key.jwk)),
    'JWK JSON of the JWKS entry as published': Buffer.from(JSON.stringify({ keys: [key.jwk] })),
    modulus: Buffer.from(key.jwk['n'] as string, 'base64url'),
  };
}

const hs256 = (name: string, secret: (idp: AttackIdp) => Buffer, kid = true): JwtAttack => ({
  name: `HS256 keyed with the RSA public key (${name})${kid ? '' : ', no kid'}`,
  token: (idp) => idp.signRaw(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid: idp.rsa.kid } : {}) }), JSON.stringify(idp.claims()), { hmacKey: secret(idp) }),
  reason: /algorithm|not allowed|signature/i,
});

const noneCasings = ['none', 'None', 'NONE', 'nOnE', 'none ', ''];
const kidInjections = ['', '../../../../../../etc/passwd', '/dev/null', '..%2f..%2fetc%2fpasswd', "' OR '1'='1", "x'; DROP TABLE keys; --", '$(id)', '`id`', '; rm -rf /', '| cat /etc/passwd', 'rsa-1\u0000', 'http://127.0.0.1:1/jwks', 'k'.repeat(2000)];

export const JWT_ATTACKS: readonly JwtAttack[] = [
  ...noneCasings.flatMap((alg): JwtAttack[] => [
    { name: `alg ${JSON.stringify(alg)} with an empty signature`, token: (idp) => `${signingInput(JSON.stringify({ alg, typ: 'JWT' }), JSON.stringify(idp.claims()))}.`, reason: /base64url|compact/ },
    { name: `alg ${JSON.stringify(alg)} with the issuer's signature over the same input`, token: (idp) => withSignature(idp, { alg }, signWith(signingInput(JSON.stringify({ alg }), JSON.stringify(idp.claims())), idp.rsa)), reason: /algorithm|not allowed/i },
  ]),
  ...Object.keys(rsaPublicKeyAsSecrets(attacker)).flatMap((name) => [
    hs256(name, (idp) => rsaPublicKeyAsSecrets(idp.rsa)[name]!),
    hs256(name, (idp) => rsaPublicKeyAsSecrets(idp.rsa)[name]!, false),
  ]),
  hs256('empty secret, as from kid /dev/null', () => Buffer.alloc(0)),
  {
    name: 'embedded jwk header carrying the attacker key',
    token: (idp) => idp.sign(idp.claims(), { jwk: attacker.jwk }, attacker),
    reason: /'jwk' is not accepted/,
  },
  {
    name: 'embedded jwk header carrying the issuer key, signed by the issuer (still refused: keys never come from the token)',
    token: (idp) => idp.sign(idp.claims(), { jwk: idp.rsa.jwk }),
    reason: /'jwk' is not accepted/,
  },
  { name: 'jku pointing at an attacker key set', token: (idp) => idp.sign(idp.claims(), { jku: `${idp.issuer}/evil-jwks` }, attacker), reason: /'jku' is not accepted/ },
  { name: 'x5u pointing at an attacker certificate', token: (idp) => idp.sign(idp.claims(), { x5u: `${idp.issuer}/evil.pem` }, attacker), reason: /'x5u' is not accepted/ },
  { name: 'x5c with an attacker certificate chain', token: (idp) => idp.sign(idp.claims(), { x5c: [b64u(Buffer.alloc(300, 1)).replace(/-/g, '+')] }, attacker), reason: /'x5c' is not accepted/ },
  ...kidInjections.flatMap((kid): JwtAttack[] => [
    { name: `kid injection ${JSON.stringify(kid.slice(0, 40))}, signed by the attacker`, token: (idp) => idp.sign(idp.claims(), { kid }, attacker), reason: /no issuer key|signature/ },
    { name: `kid injection ${JSON.stringify(kid.slice(0, 40))}, HS256 with an empty key`, token: (idp) => idp.signRaw(JSON.stringify({ alg: 'HS256', kid }), JSON.stringify(idp.claims()), { hmacKey: '' }), reason: /algorithm|not allowed|signature/i },
  ]),
  { name: 'kid of the wrong type (number)', token: (idp) => idp.sign(idp.claims(), { kid: 1 }), reason: /no issuer key|kid|invalid/ },
  { name: 'unknown crit extension', token: (idp) => idp.sign(idp.claims(), { crit: ['x-must-understand'], 'x-must-understand': true }), reason: /not recognized|crit/i },
  { name: 'crit naming a registered header (alg)', token: (idp) => idp.sign(idp.claims(), { crit: ['alg'] }), reason: /crit|not recognized/i },
  { name: 'empty crit list', token: (idp) => idp.sign(idp.claims(), { crit: [] }), reason: /crit/i },
  { name: 'crit that is not a list', token: (idp) => idp.sign(idp.claims(), { crit: 'exp' }), reason: /crit/i },
  {
    name: 'ES256 with r = s = 0 (CVE-2022-21449, "psychic signatures")',
    token: (idp) => withSignature(idp, { alg: 'ES256', kid: idp.ec.kid }, Buffer.alloc(64)),
    reason: /signature/,
  },
  {
    name: 'ES256 with r = s = n (the curve order)',
    token: (idp) => {
      const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
      return withSignature(idp, { alg: 'ES256', kid: idp.ec.kid }, Buffer.concat([n, n]));
    },
    reason: /signature/,
  },
  { name: 'ES256 with a DER-encoded signature instead of r||s', token: (idp) => {
      const input = signingInput(JSON.stringify({ alg: 'ES256', kid: idp.ec.kid }), JSON.stringify(idp.claims()));
      const der = signWith(input, { ...idp.ec, alg: 'RS256' });
      return `${input}.${b64u(der)}`;
    }, reason: /signature/ },
  { name: 'ES256 signed by a key not in the JWKS, with the issuer kid', token: (idp) => {
      const input = signingInput(JSON.stringify({ alg: 'ES256', kid: idp.ec.kid }), JSON.stringify(idp.claims()));
      return `${input}.${b64u(signWith(input, { ...idp.ec, privateKey: attackerEc.privateKey }))}`;
    }, reason: /signature/ },
  {
    name: 'a JWE (five parts) instead of a JWS',
    token: (idp) => [b64u(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: idp.rsa.kid })), b64u(Buffer.alloc(256, 7)), b64u(Buffer.alloc(12, 1)), b64u(JSON.stringify(idp.claims())), b64u(Buffer.alloc(16, 2))].join('.'),
    reason: /JWE|encrypted/,
  },
  {
    name: 'a JWE with alg dir and no encrypted key',
    token: (idp) => [b64u(JSON.stringify({ alg: 'dir', enc: 'A128CBC-HS256' })), '', b64u(Buffer.alloc(16, 1)), b64u(JSON.stringify(idp.claims())), b64u(Buffer.alloc(16, 2))].join('.'),
    reason: /JWE|encrypted/,
  },
  {
    name: 'nested unsecured JWT (cty JWT) signed by the issuer',
    token: (idp) => {
      const inner = `${b64u(JSON.stringify({ alg: 'none' }))}.${b64u(JSON.stringify(idp.claims({ sub: 'admin' })))}.`;
      return idp.signRaw(JSON.stringify({ alg: 'RS256', kid: idp.rsa.kid, cty: 'JWT' }), inner);
    },
    reason: /JSON object/,
  },
  {
    // Signed over the segments as sent, which is what RFC 7797 verifies: the signature is valid.
    name: 'unencoded payload (b64 false) signed by the issuer',
    token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: idp.rsa.kid, b64: false, crit: ['b64'] }), JSON.stringify(idp.claims())),
    reason: /unencoded/,
  },
  ...(['=', '==', '%3D'] as const).map((pad): JwtAttack => ({
    name: `padding ${pad} after the signature`,
    token: (idp) => `${idp.sign(idp.claims())}${pad}`,
    reason: /base64url|b64token/,
  })),
  { name: 'padding inside the payload segment', token: (idp) => { const [h, p, s] = idp.sign(idp.claims()).split('.'); return `${h}.${p}==.${s}`; }, reason: /base64url|b64token/ },
  { name: 'standard base64 (+ and /) instead of base64url', token: (idp) => { const [h, p] = idp.sign(idp.claims()).split('.'); return `${h}.${p}.${Buffer.alloc(256, 0xfb).toString('base64')}`; }, reason: /base64url/ },
  {
    name: 'non-canonical trailing bits in the signature (same bytes, other spelling)',
    token: (idp) => {
      const t = idp.sign(idp.claims());
      const last = t.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      return t.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1];
    },
    reason: /canonical/,
  },
  ...[' ', '\t', '\n', '\r\n'].map((ws): JwtAttack => ({
    name: `whitespace ${JSON.stringify(ws)} inside a segment`,
    token: (idp) => { const t = idp.sign(idp.claims()); return `${t.slice(0, 20)}${ws}${t.slice(20)}`; },
    reason: /base64url|b64token|Bearer/,
  })),
  { name: 'duplicate "sub" in the claims (last one would win)', token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), JSON.stringify(idp.claims()).replace(/^\{/, '{"sub":"alice",')), reason: /duplicate member "sub"/ },
  { name: 'duplicate "sub" spelled with a unicode escape', token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), JSON.stringify(idp.claims()).replace(/\}$/, ',"s\\u0075b":"root"}')), reason: /duplicate member "sub"/ },
  { name: 'duplicate "roles" inside a nested claim', token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), JSON.stringify(idp.claims()).replace(/\}$/, ',"realm_access":{"roles":[],"roles":["admin"]}}')), reason: /duplicate member "roles"/ },
  { name: 'duplicate "alg" in the header (none, then RS256)', token: (idp) => idp.signRaw('{"alg":"none","alg":"RS256","kid":"rsa-1"}', JSON.stringify(idp.claims())), reason: /duplicate member "alg"/ },
  { name: 'duplicate "kid" in the header', token: (idp) => idp.signRaw('{"alg":"RS256","kid":"other","kid":"rsa-1"}', JSON.stringify(idp.claims())), reason: /duplicate member "kid"/ },
  { name: '"__proto__" member in the claims', token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), JSON.stringify(idp.claims()).replace(/\}$/, ',"__proto__":{"roles":["admin"]}}')), reason: /__proto__/ },
  { name: `expired beyond the clock tolerance (exp = now - ${TOLERANCE + 15})`, token: (idp) => idp.sign(idp.claims({ exp: now() - TOLERANCE - 15 })), reason: /expired/ },
  { name: `not yet valid beyond the clock tolerance (nbf = now + ${TOLERANCE + 15})`, token: (idp) => idp.sign(idp.claims({ nbf: now() + TOLERANCE + 15 })), reason: /nbf/ },
  { name: `issued in the future beyond the clock tolerance (iat = now + ${TOLERANCE + 15})`, token: (idp) => idp.sign(idp.claims({ iat: now() + TOLERANCE + 15 })), reason: /iat/ },
  { name: 'no exp', token: (idp) => idp.sign(idp.claims({ exp: undefined })), reason: /exp/ },
  { name: 'exp as a string', token: (idp) => idp.sign(idp.claims({ exp: String(now() + 3600) })), reason: /exp/ },
  { name: 'exp that overflows to Infinity (1e400)', token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), JSON.stringify(idp.claims({ exp: 0 })).replace('"exp":0', '"exp":1e400')), reason: /exp/ },
  { name: 'nbf as a string', token: (idp) => idp.sign(idp.claims({ nbf: '0' })), reason: /nbf/ },
  { name: 'iat as a string', token: (idp) => idp.sign(idp.claims({ iat: 'yesterday' })), reason: /iat/ },
  { name: 'aud of another service', token: (idp) => idp.sign(idp.claims({ aud: 'someone-else' })), reason: /aud/ },
  { name: 'aud as an empty list', token: (idp) => idp.sign(idp.claims({ aud: [] })), reason: /aud/ },
  { name: 'no aud while an audience is configured', token: (idp) => idp.sign(idp.claims({ aud: undefined })), reason: /aud/ },
  { name: 'iss of another issuer', token: (idp) => idp.sign(idp.claims({ iss: 'https://evil.example' })), reason: /iss/ },
  { name: 'iss with a trailing slash', token: (idp) => idp.sign(idp.claims({ iss: `${idp.issuer}/` })), reason: /iss/ },
  { name: 'iss in upper case', token: (idp) => idp.sign(idp.claims({ iss: idp.issuer.toUpperCase() })), reason: /iss/ },
  { name: 'no iss', token: (idp) => idp.sign(idp.claims({ iss: undefined })), reason: /iss/ },
  { name: 'empty sub', token: (idp) => idp.sign(idp.claims({ sub: '' })), reason: /sub/ },
  { name: 'sub that is not a string', token: (idp) => idp.sign(idp.claims({ sub: 42 })), reason: /sub/ },
  { name: 'no sub', token: (idp) => idp.sign(idp.claims({ sub: undefined })), reason: /sub/ },
  { name: 'empty signature', token: (idp) => idp.sign(idp.claims()).replace(/[^.]+$/, ''), reason: /base64url/ },
  { name: "another token's signature", token: (idp) => { const [h, p] = idp.sign(idp.claims({ sub: 'admin' })).split('.'); const s = idp.sign(idp.claims({ sub: 'guest', roles: [] })).split('.')[2]; return `${h}.${p}.${s}`; }, reason: /signature/ },
  { name: 'signature by an attacker key under the issuer kid', token: (idp) => idp.sign(idp.claims(), {}, attacker), reason: /signature/ },
  { name: 'RS256 token relabelled PS256 (same key, other algorithm)', token: (idp) => { const input = signingInput(JSON.stringify({ alg: 'PS256', kid: 'rsa-1' }), JSON.stringify(idp.claims())); return `${input}.${b64u(signWith(input, idp.rsa))}`; }, reason: /signature|no issuer key|not allowed/ },
  { name: 'truncated signature', token: (idp) => idp.sign(idp.claims()).slice(0, -8), reason: /signature|canonical/ },
  { name: 'oversized token (8 KiB + 1)', code: 'token_too_large', token: (idp) => { const t = idp.sign(idp.claims({ pad: 'x'.repeat(8192) })); return t.slice(0, 8193); }, reason: /larger than/ },
  // 1,000 roles: past the 8 KiB token cap, yet under the 16 KiB header cap, so HTTP answers 401 too.
  { name: 'huge claim array (1,000 roles)', code: 'token_too_large', token: (idp) => idp.sign(idp.claims({ roles: Array.from({ length: 1000 }, (_, i) => `r${i}`) })), reason: /larger than/ },
  {
    name: 'deeply nested claims (17 levels)',
    token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), JSON.stringify(idp.claims()).replace(/\}$/, `,"x":${'['.repeat(16)}1${']'.repeat(16)}}`)),
    reason: /nests deeper/,
  },
  {
    name: 'deeply nested claims (2,000 levels, within the size cap)',
    token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), JSON.stringify(idp.claims()).replace(/\}$/, `,"x":${'['.repeat(2000)}${']'.repeat(2000)}}`)),
    reason: /nests deeper/,
  },
  { name: 'deeply nested header', token: (idp) => idp.signRaw(`{"alg":"RS256","kid":"rsa-1","x":${'{"a":'.repeat(20)}1${'}'.repeat(20)}}`, JSON.stringify(idp.claims())), reason: /nests deeper/ },
  ...([
    ['a 0xFF byte', [0xff]],
    ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
    ['a UTF-16 surrogate encoded as UTF-8 (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a truncated multi-byte sequence', [0xe2, 0x82]],
  ] as const).map(([what, bytes]): JwtAttack => ({
    name: `invalid UTF-8 in the claims: ${what}`,
    token: (idp) => {
      const json = JSON.stringify(idp.claims({ name: 'XX' }));
      const at = json.indexOf('XX');
      return idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(bytes), Buffer.from(json.slice(at + 2))]));
    },
    reason: /UTF-8/,
  })),
  { name: 'invalid UTF-8 in the header', token: (idp) => idp.signRaw(Buffer.concat([Buffer.from('{"alg":"RS256","kid":"rsa-1","x":"'), Buffer.from([0xff]), Buffer.from('"}')]), JSON.stringify(idp.claims())), reason: /UTF-8/ },
  { name: 'byte order mark before the claims', token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), `\ufeff${JSON.stringify(idp.claims())}`), reason: /byte order mark/ },
  ...(['[]', '"admin"', 'null', '42', 'true'] as const).map((claims): JwtAttack => ({
    name: `claims that are not an object: ${claims}`,
    token: (idp) => idp.signRaw(JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }), claims),
    reason: /JSON object/,
  })),
  { name: 'header that is not an object', token: (idp) => idp.signRaw('["RS256"]', JSON.stringify(idp.claims())), reason: /JSON object/ },
  { name: 'header that is not JSON', token: (idp) => idp.signRaw('alg=RS256', JSON.stringify(idp.claims())), reason: /JSON object|invalid/ },
  { name: 'two dots only', token: () => '..', reason: /base64url/ },
  { name: 'four parts', token: (idp) => `${idp.sign(idp.claims())}.e30`, reason: /compact/ },
];

/** Asserts a refusal with the stable code, a 401 status and the expected reason. */
export async function assertRefused(verify: TokenVerifier, token: string, code: ErrorCode, reason: RegExp): Promise<void> {
  await assert.rejects(verify(token), (err: unknown) => {
    assert.ok(err instanceof SidecarError, `not a SidecarError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.status, 401);
    assert.match(err.message, reason);
    return true;
  });
}

