/**
 * An ECDSA signature in the JOSE form (IEEE P1363: r then s, each exactly `size` bytes, RFC 7518
 * 3.4) as the DER SEQUENCE of two INTEGERs that OpenSSL verifies; undefined when the length is not
 * 2 × `size`, which WebCrypto refuses too. The same conversion node:crypto makes for
 * `dsaEncoding: 'ieee-p1363'` (BN_bin2bn on each half, then i2d_ECDSA_SIG: minimal big-endian
 * integers, a 0x00 before a high bit), done here because handing verify() an options object
 * instead of a bare KeyObject costs two caught exceptions per call in Node 24 (its isKeyObject
 * and isCryptoKey brand checks throw on a plain object: ~12 µs, more than this conversion).
 * Agreement with node's own conversion: test/token/p1363-to-der.test.ts.
 */
export function p1363ToDer(signature: Uint8Array, size: number): Buffer | undefined {
  if (signature.length !== 2 * size) return undefined;
  const r = integer(signature.subarray(0, size));
  const s = integer(signature.subarray(size));
  const length = r.length + s.length;
  const header = length < 0x80 ? [0x30, length] : [0x30, 0x81, length];
  return Buffer.concat([Buffer.from(header), r, s]);
}

/** A DER INTEGER of an unsigned big-endian number (`size` ≤ 66 bytes, so the length fits one byte). */
function integer(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  const pad = value[0]! & 0x80 ? 1 : 0;
  const out = Buffer.allocUnsafe(2 + pad + value.length);
  out[0] = 0x02;
  out[1] = pad + value.length;
  if (pad) out[2] = 0;
  out.set(value, 2 + pad);
  return out;
}
