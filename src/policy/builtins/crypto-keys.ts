import { createPrivateKey } from 'node:crypto';
import { BuiltinError, stringArg, type HostBuiltin } from './builtin-types.ts';

const NAME = 'crypto.x509.parse_rsa_private_key';
const KEY_BLOCKS = new Set(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY']);

/**
 * OPA's crypto.x509.parse_rsa_private_key (topdown/crypto.go: builtinCryptoJWKFromPrivateKey):
 * the first private key of PEM data (or of base64-encoded PEM data) as a JWK, which is what
 * node:crypto's JWK export writes for the same key (kty, n, e, d, p, q, dp, dq, qi; or crv, x, y, d).
 */
export const cryptoKeyBuiltins: Record<string, HostBuiltin> = {
  [NAME]: (args) => {
    let text = stringArg(NAME, args, 0);
    if (text === '') throw new BuiltinError(NAME, 'input PEM data was empty');
    if (!text.startsWith('-----BEGIN')) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new BuiltinError(NAME, 'illegal base64 data');
      text = Buffer.from(text, 'base64').toString('latin1');
    }
    for (const m of text.matchAll(/-----BEGIN ([A-Z ]+)-----\r?\n[\s\S]*?-----END \1-----/g)) {
      if (!KEY_BLOCKS.has(m[1]!)) continue;
      try {
        return createPrivateKey(m[0]).export({ format: 'jwk' });
      } catch (err) {
        throw new BuiltinError(NAME, (err as Error).message);
      }
    }
    return null;
  },
};
