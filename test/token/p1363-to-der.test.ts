import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { p1363ToDer } from '../../src/token/p1363-to-der.ts';

/**
 * p1363ToDer must be node's own `dsaEncoding: 'ieee-p1363'` conversion: the DER that OpenSSL
 * writes for a signature (i2d_ECDSA_SIG), rebuilt from its r||s form, byte for byte; and what
 * verify() answers on it must be what verify() answers on r||s with dsaEncoding, edge values
 * included. Signatures are random: about 1 in 128 has r or s with a leading zero byte (P-521's
 * 521-bit r and s in 66 bytes nearly always do), 1 in 2 a high bit set.
 */
const CURVES = [['P-256', 'sha256', 32], ['P-384', 'sha384', 48], ['P-521', 'sha512', 66]] as const;

/** r||s from a DER signature, independently of p1363ToDer (the DER parse node does not expose). */
function derToP1363(der: Buffer, size: number): Buffer {
  let at = der[1]! & 0x80 ? 3 : 2;
  const out: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    assert.equal(der[at], 0x02);
    const length = der[at + 1]!;
    const value = der.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    const trimmed = value[0] === 0 && value.length > 1 ? value.subarray(1) : value;
    out.push(Buffer.concat([Buffer.alloc(size - trimmed.length), trimmed]));
  }
  assert.equal(at, der.length);
  return Buffer.concat(out);
}

for (const [curve, hash, size] of CURVES) {
  describe(`p1363ToDer on ${curve}`, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const data = Buffer.from('header.payload');

    test('gives back the DER that OpenSSL signed, for 200 signatures and until three had a leading zero byte', () => {
      let leadingZero = 0;
      for (let i = 0; (i < 200 || leadingZero < 3) && i < 20_000; i++) {
        const der = sign(hash, data, privateKey);
        const p1363 = derToP1363(der, size);
        if (p1363[0] === 0 || p1363[size] === 0) leadingZero++;
        assert.deepEqual(p1363ToDer(p1363, size), der);
        assert.equal(verify(hash, data, publicKey, p1363ToDer(p1363, size)!), true);
      }
      assert.ok(leadingZero >= 3, 'leading zero bytes were met');
    });

    test('agrees with dsaEncoding ieee-p1363 on edge values: zeros, ones, all 0xff, r = s, a flipped bit', () => {
      const good = sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const flipped = Buffer.from(good);
      flipped[size + 3]! ^= 1;
      const cases = [
        Buffer.alloc(2 * size),
        Buffer.alloc(2 * size, 1),
        Buffer.alloc(2 * size, 0xff),
        Buffer.concat([good.subarray(0, size), good.subarray(0, size)]),
        Buffer.concat([Buffer.alloc(size - 1), Buffer.from([1]), Buffer.alloc(size - 1), Buffer.from([1])]),
        flipped,
        good,
      ];
      for (const signature of cases) {
        const node = verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
        assert.equal(verify(hash, data, publicKey, p1363ToDer(signature, size)!), node, signature.toString('hex'));
      }
    });

    test('refuses any other length (WebCrypto answers false there)', () => {
      for (const length of [0, 1, size, 2 * size - 1, 2 * size + 1, 4 * size]) {
        assert.equal(p1363ToDer(Buffer.alloc(length, 7), size), undefined);
      }
    });
  });
}
