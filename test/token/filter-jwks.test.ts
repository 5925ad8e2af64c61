import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { filterJwks } from '../../src/token/filter-jwks.ts';

type Jwk = Record<string, unknown>;

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

const pub2048: Jwk = { ...rsa2048.publicKey.export({ format: 'jwk' }), kid: 'rsa-2048', use: 'sig', alg: 'RS256' };
const pub1024: Jwk = { ...rsa1024.publicKey.export({ format: 'jwk' }), kid: 'rsa-1024', alg: 'RS256' };

function run(keys: unknown[]): { kept: Jwk[]; refused: Array<{ kid: string | undefined; reason: string }> } {
  const refused: Array<{ kid: string | undefined; reason: string }> = [];
  const out = filterJwks({ keys }, (kid, reason) => refused.push({ kid, reason })) as { keys: Jwk[] };
  return { kept: out.keys, refused };
}

const kids = (keys: Jwk[]) => keys.map((k) => k['kid']);

test('a 2048-bit RSA key is kept unchanged', () => {
  const { kept, refused } = run([pub2048]);
  assert.deepEqual(kept, [pub2048]);
  assert.deepEqual(refused, []);
});

test('a 1024-bit RSA key is refused and reported with its kid and size', () => {
  const { kept, refused } = run([pub1024, pub2048]);
  assert.deepEqual(kids(kept), ['rsa-2048']);
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!.kid, 'rsa-1024');
  assert.match(refused[0]!.reason, /1024 bits/);
});

test('modulus size counts bits, not bytes: a 256-byte modulus with a clear top bit is 2047 bits and refused', () => {
  const n = Buffer.from(pub2048['n'] as string, 'base64url');
  n[0] = 0x7f;
  const { kept, refused } = run([{ ...pub2048, kid: 'short', n: n.toString('base64url') }]);
  assert.deepEqual(kept, []);
  assert.match(refused[0]!.reason, /2047 bits/);
});

test('leading zero bytes of the modulus do not count towards its size', () => {
  const n = Buffer.from(pub1024['n'] as string, 'base64url');
  const padded = Buffer.concat([Buffer.alloc(200), n]); // 328 bytes on the wire, still 1024 bits
  const { kept, refused } = run([{ ...pub1024, n: padded.toString('base64url') }]);
  assert.deepEqual(kept, []);
  assert.match(refused[0]!.reason, /1024 bits/);

  const n2048 = Buffer.concat([Buffer.alloc(1), Buffer.from(pub2048['n'] as string, 'base64url')]);
  assert.equal(run([{ ...pub2048, n: n2048.toString('base64url') }]).kept.length, 1);
});

test('RSA exponent 1 is refused (the signature would be the message)', () => {
  const { kept, refused } = run([{ ...pub2048, kid: 'e1', e: 'AQ' }]);
  assert.deepEqual(kept, []);
  assert.equal(refused[0]!.kid, 'e1');
  assert.match(refused[0]!.reason, /exponent 1/);
});

test('an even RSA exponent is refused; 65537 and 3 are kept', () => {
  assert.equal(run([{ ...pub2048, e: Buffer.from([0x01, 0x00, 0x00]).toString('base64url') }]).kept.length, 0);
  assert.equal(run([{ ...pub2048, e: 'AQAB' }]).kept.length, 1);
  assert.equal(run([{ ...pub2048, e: 'Aw' }]).kept.length, 1);
});

test('an RSA key without n or e is refused', () => {
  const { n: _n, ...noN } = pub2048;
  const { e: _e, ...noE } = pub2048;
  assert.equal(run([noN, noE]).kept.length, 0);
  assert.equal(run([noN, noE]).refused.length, 2);
});

test('symmetric (oct) keys are refused', () => {
  const { kept, refused } = run([{ kty: 'oct', kid: 'hmac', k: Buffer.alloc(32, 1).toString('base64url') }, pub2048]);
  assert.deepEqual(kids(kept), ['rsa-2048']);
  assert.equal(refused[0]!.kid, 'hmac');
  assert.match(refused[0]!.reason, /symmetric/);
});

test('keys with use "enc" are refused, with use "sig" or no use kept', () => {
  const { kept, refused } = run([
    { ...pub2048, kid: 'enc', use: 'enc' },
    { ...pub2048, kid: 'sig', use: 'sig' },
    { ...rsa2048.publicKey.export({ format: 'jwk' }), kid: 'none' },
  ]);
  assert.deepEqual(kids(kept), ['sig', 'none']);
  assert.deepEqual(refused.map((r) => r.kid), ['enc']);
  assert.match(refused[0]!.reason, /use 'enc'/);
});

test('an enc-only EC key is refused too', () => {
  const jwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-enc', use: 'enc' };
  assert.deepEqual(run([jwk]).kept, []);
});

test('private RSA members are stripped and the public part is kept', () => {
  const priv: Jwk = { ...rsa2048.privateKey.export({ format: 'jwk' }), kid: 'leaky', oth: [] };
  for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(m in priv, `fixture lacks ${m}`);
  const { kept } = run([priv]);
  assert.equal(kept.length, 1);
  assert.deepEqual(Object.keys(kept[0]!).sort(), ['e', 'kid', 'kty', 'n']);
  assert.equal(kept[0]!['n'], priv['n']);
});

test('the private scalar of EC and OKP keys is stripped', () => {
  const ecPriv: Jwk = { ...ec.privateKey.export({ format: 'jwk' }), kid: 'ec' };
  const edPriv: Jwk = { ...ed.privateKey.export({ format: 'jwk' }), kid: 'ed' };
  const { kept } = run([ecPriv, edPriv]);
  assert.deepEqual(kids(kept), ['ec', 'ed']);
  for (const k of kept) assert.ok(!('d' in k), `${String(k['kid'])} still has d`);
  assert.deepEqual(Object.keys(kept[0]!).sort(), ['crv', 'kid', 'kty', 'x', 'y']);
});

test('EC and OKP public keys are kept', () => {
  const { kept } = run([{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec' }, { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed' }]);
  assert.deepEqual(kids(kept), ['ec', 'ed']);
});

test('entries that are not objects are dropped', () => {
  const { kept } = run([null, 'key', 42, pub2048]);
  assert.deepEqual(kids(kept), ['rsa-2048']);
});

test('a refused key without kid is reported with kid undefined', () => {
  const { kid: _kid, ...noKid } = pub1024;
  assert.deepEqual(run([noKid]).refused.map((r) => r.kid), [undefined]);
});

test('other members of the set are preserved and the input is not mutated', () => {
  const input = { keys: [pub1024, pub2048], extra: 'x' };
  const before = structuredClone(input);
  const out = filterJwks(input) as { keys: Jwk[]; extra: string };
  assert.equal(out.extra, 'x');
  assert.deepEqual(kids(out.keys), ['rsa-2048']);
  assert.deepEqual(input, before);
});

test('something that is not a JWKS is returned as is (jose reports it)', () => {
  for (const v of [null, 'x', 1, {}, { keys: 'nope' }]) assert.equal(filterJwks(v), v);
});

test('works without an onRefused callback', () => {
  assert.deepEqual((filterJwks({ keys: [pub1024] }) as { keys: Jwk[] }).keys, []);
});
