import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { encodeRegoValue } from '../wasm/rego-value.ts';
import { stringArg, type HostBuiltin } from './builtin-types.ts';

/** OPA's crypto.* digests and HMACs (hex, lowercase) over the UTF-8 bytes of strings. */
const digest = (name: string, alg: string): HostBuiltin => (args) => createHash(alg).update(stringArg(name, args, 0), 'utf8').digest('hex');
const hmac = (name: string, alg: string): HostBuiltin => (args) =>
  createHmac(alg, Buffer.from(stringArg(name, args, 1), 'utf8')).update(stringArg(name, args, 0), 'utf8').digest('hex');

export const cryptoBuiltins: Record<string, HostBuiltin> = {
  'crypto.md5': digest('crypto.md5', 'md5'),
  'crypto.sha1': digest('crypto.sha1', 'sha1'),
  'crypto.sha256': digest('crypto.sha256', 'sha256'),
  'crypto.hmac.md5': hmac('crypto.hmac.md5', 'md5'),
  'crypto.hmac.sha1': hmac('crypto.hmac.sha1', 'sha1'),
  'crypto.hmac.sha256': hmac('crypto.hmac.sha256', 'sha256'),
  'crypto.hmac.sha512': hmac('crypto.hmac.sha512', 'sha512'),
  // Go's hmac.Equal: constant time for equal lengths, false otherwise.
  'crypto.hmac.equal': (args) => {
    const a = Buffer.from(stringArg('crypto.hmac.equal', args, 0), 'utf8');
    const b = Buffer.from(stringArg('crypto.hmac.equal', args, 1), 'utf8');
    return a.length === b.length && timingSafeEqual(a, b);
  },
  // One random (version 4) UUID per distinct key and evaluation, as OPA caches it per query.
  'uuid.rfc4122': (args, ctx) => {
    const key = `uuid.rfc4122\u0000${encodeRegoValue(args[0])}`;
    let id = ctx.memo.get(key);
    if (id === undefined) {
      id = randomUUID();
      ctx.memo.set(key, id);
    }
    return id;
  },
};
