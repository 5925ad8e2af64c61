import { createHmac, createPrivateKey, createPublicKey, createSecretKey, sign, timingSafeEqual, verify, X509Certificate, constants, type KeyObject } from 'node:crypto';

/**
 * Keys and JWS algorithms for OPA's io.jwt.* builtins, on node:crypto. jose (used for the sidecar's
 * own token verification) is not used here because every jose sign/verify call is asynchronous,
 * and a Wasm host builtin must answer synchronously; node:crypto's sign/verify are the same
 * OpenSSL primitives, called directly.
 */
export interface VerificationKey {
  readonly alg: string;
  readonly kid: string;
  readonly key: KeyObject;
}

export const ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA']);
const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** OPA's parseKeysFromCertOrJWK: one PEM certificate or public key, or a JWK or JWK set. */
export function keysFromCertOrJwk(text: string): VerificationKey[] {
  const pem = /^\s*-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\s*/.exec(text);
  if (pem) {
    if (pem[0].length !== text.length) throw new Error('extra data after a PEM certificate block');
    if (pem[1] === 'CERTIFICATE') return [{ alg: '', kid: '', key: new X509Certificate(text).publicKey }];
    if (pem[1] === 'PUBLIC KEY') return [{ alg: '', kid: '', key: createPublicKey(text) }];
    throw new Error('failed to extract a Key from the PEM certificate');
  }
  const keys: VerificationKey[] = [];
  for (const jwk of jwkList(text)) {
    const alg = typeof jwk['alg'] === 'string' ? jwk['alg'] : '';
    if (alg !== '' && !ALGORITHMS.has(alg)) continue;
    keys.push({ alg, kid: typeof jwk['kid'] === 'string' ? jwk['kid'] : '', key: jwkKey(jwk, false) });
  }
  return keys;
}

/** A JWK or a JWK set (`{"keys": [...]}`), as lestrrat-go/jwx's jwk.Parse reads it. */
export function jwkList(text: string): Record<string, unknown>[] {
  const v = JSON.parse(text) as unknown;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('failed to parse a JWK key (set)');
  const o = v as Record<string, unknown>;
  if (Array.isArray(o['keys'])) return o['keys'] as Record<string, unknown>[];
  return [o];
}

/** A JWK as a node:crypto key: public (or secret) for verifying, private (or secret) for signing. */
export function jwkKey(jwk: Record<string, unknown>, priv: boolean): KeyObject {
  if (jwk['kty'] === 'oct') {
    if (typeof jwk['k'] !== 'string') throw new Error('oct key without k');
    return createSecretKey(Buffer.from(jwk['k'], 'base64url'));
  }
  const key = { key: jwk as never, format: 'jwk' as const };
  return priv ? createPrivateKey(key) : createPublicKey(key);
}

/** jwsbb.Verify: whether `signature` is `alg`'s signature of `data` under `key`. Never throws. */
export function verifyJws(key: KeyObject, alg: string, data: Buffer, signature: Buffer): boolean {
  try {
    const bits = alg.slice(2);
    if (alg.startsWith('HS')) {
      if (key.type !== 'secret') return false;
      const mac = createHmac(HASH[bits]!, key).update(data).digest();
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    }
    if (key.type === 'secret') return false;
    const type = key.asymmetricKeyType;
    if (alg === 'EdDSA') return type === 'ed25519' && verify(null, data, key, signature);
    if (alg.startsWith('RS') && type === 'rsa') return verify(HASH[bits]!, data, key, signature);
    if (alg.startsWith('PS') && (type === 'rsa' || type === 'rsa-pss')) {
      return verify(HASH[bits]!, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    }
    if (alg.startsWith('ES') && type === 'ec') return verify(HASH[bits]!, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return false;
  } catch {
    return false;
  }
}

/** jwsbb.Sign: `alg`'s signature of `data` with a private or secret key. */
export function signJws(key: KeyObject, alg: string, data: Buffer): Buffer {
  const bits = alg.slice(2);
  if (alg.startsWith('HS')) {
    if (key.type !== 'secret') throw new Error(`${alg} needs a secret key`);
    return createHmac(HASH[bits]!, key).update(data).digest();
  }
  if (key.type !== 'private') throw new Error(`${alg} needs a private key`);
  if (alg === 'EdDSA') return sign(null, data, key);
  if (alg.startsWith('RS')) return sign(HASH[bits]!, data, key);
  if (alg.startsWith('PS')) return sign(HASH[bits]!, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  return sign(HASH[bits]!, data, { key, dsaEncoding: 'ieee-p1363' });
}
