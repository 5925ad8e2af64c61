import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { parseJsonExact } from '../wasm/rego-value.ts';
import { BuiltinError, objectArg, stringArg, typeName, type HostBuiltin } from './builtin-types.ts';
import { base64UrlDecode } from './jwt.ts';
import { keysFromCertOrJwk, verifyJws, type VerificationKey } from './jwt-keys.ts';

/**
 * OPA's io.jwt.verify_* and io.jwt.decode_verify (topdown/tokens.go). An error (a malformed
 * token, an unreadable key) makes the call undefined; a token that does not verify is `false`,
 * or `[false, {}, {}]` for decode_verify.
 */
interface Token {
  readonly header: string;
  readonly payload: string;
  readonly signature: string;
}

function split(name: string, v: unknown): Token {
  if (typeof v !== 'string') throw new BuiltinError(name, `operand 1 must be string but got ${typeName(v)}`);
  if (!v.includes('.')) throw new BuiltinError(name, 'encoded JWT had no period separators');
  const parts = v.split('.');
  if (parts.length !== 3) throw new BuiltinError(name, `encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0]!, payload: parts[1]!, signature: parts[2]! };
}

function jsonObject(name: string, bytes: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseJsonExact(new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'bigint');
  } catch (err) {
    throw new BuiltinError(name, `invalid JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BuiltinError(name, 'decoded JSON type was not an Object');
  return v as Record<string, unknown>;
}

function decodeHeader(name: string, t: Token): Record<string, unknown> {
  const header = jsonObject(name, base64UrlDecode(t.header, 'JWT header had invalid encoding'));
  if (Object.hasOwn(header, 'enc')) throw new BuiltinError(name, 'JWT is a JWE object, which is not supported');
  return header;
}

interface Header {
  alg: string;
  kid: string;
  cty: string;
  crit: Set<string> | undefined;
  unknown: string[];
}

/** OPA's parseTokenHeader: alg, kid, typ, cty must be strings; crit a non-empty list. */
function parseHeader(name: string, h: Record<string, unknown>): Header {
  const out: Header = { alg: '', kid: '', cty: '', crit: undefined, unknown: [] };
  for (const [k, v] of Object.entries(h)) {
    if (k === 'alg' || k === 'kid' || k === 'typ' || k === 'cty') {
      if (typeof v !== 'string') throw new BuiltinError(name, `${k}: must be a string`);
      if (k !== 'typ') out[k] = v;
    } else if (k === 'crit') {
      if (!Array.isArray(v)) throw new BuiltinError(name, 'crit: must be a list');
      out.crit = new Set();
      for (const c of v) {
        if (typeof c !== 'string') break;
        out.crit.add(c);
      }
      if (out.crit.size === 0) throw new BuiltinError(name, 'crit: must be a nonempty list');
    } else {
      out.unknown.push(k);
    }
  }
  return out;
}

const signedPart = (t: Token): Buffer => Buffer.from(`${t.header}.${t.payload}`);

function keys(name: string, text: string): VerificationKey[] {
  try {
    return keysFromCertOrJwk(text);
  } catch (err) {
    throw new BuiltinError(name, (err as Error).message);
  }
}

/** The key loop of OPA's builtinJWTVerify and tokenConstraints.verify. */
function verifyWithKeys(list: VerificationKey[], kid: string, alg: string, data: Buffer, sig: Buffer): boolean {
  if (kid !== '') {
    const byKid = list.find((k) => k.kid === kid);
    if (byKid) return verifyJws(byKid.key, alg, data, sig);
  }
  return list.some((k) => (k.alg === '' || k.alg === alg) && verifyJws(k.key, alg, data, sig));
}

const verifyAsym = (name: string, alg: string): HostBuiltin => (args) => {
  const t = split(name, args[0]);
  const list = keys(name, stringArg(name, args, 1));
  const sig = base64UrlDecode(t.signature, 'JWT signature had invalid encoding');
  const header = parseHeader(name, decodeHeader(name, t));
  // verify_<alg> checks with its own algorithm whatever the header says, as OPA does.
  if (header.kid !== '') {
    const byKid = list.find((k) => k.kid === header.kid);
    if (byKid) return verifyJws(byKid.key, alg, signedPart(t), sig);
  }
  return list.some((k) => (k.alg === '' || k.alg === header.alg) && verifyJws(k.key, alg, signedPart(t), sig));
};

const verifyHmac = (name: string, hash: string): HostBuiltin => (args) => {
  const t = split(name, stringArg(name, args, 0));
  const secret = stringArg(name, args, 1);
  const mac = createHmac(hash, Buffer.from(secret)).update(signedPart(t)).digest();
  const sig = base64UrlDecode(t.signature, 'JWT signature had invalid encoding');
  return sig.length === mac.length && timingSafeEqual(sig, mac);
};

export const jwtVerifyBuiltins: Record<string, HostBuiltin> = {
  ...Object.fromEntries(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'].map((a) => [`io.jwt.verify_${a.toLowerCase()}`, verifyAsym(`io.jwt.verify_${a.toLowerCase()}`, a)])),
  'io.jwt.verify_eddsa': verifyAsym('io.jwt.verify_eddsa', 'EdDSA'),
  'io.jwt.verify_hs256': verifyHmac('io.jwt.verify_hs256', 'sha256'),
  'io.jwt.verify_hs384': verifyHmac('io.jwt.verify_hs384', 'sha384'),
  'io.jwt.verify_hs512': verifyHmac('io.jwt.verify_hs512', 'sha512'),
  'io.jwt.decode_verify': (args, ctx) => decodeVerify(args, ctx.nowNs),
};

interface Constraints {
  keys: VerificationKey[] | undefined;
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  time: number;
}

const NAME = 'io.jwt.decode_verify';
const UNVERIFIED = [false, {}, {}];

function constraintsOf(o: Record<string, unknown>, nowNs: bigint): Constraints {
  const c: Constraints = { keys: undefined, secret: '', alg: '', iss: '', aud: '', time: -1 };
  for (const [k, v] of Object.entries(o)) {
    if (k === 'cert') {
      if (typeof v !== 'string') throw new BuiltinError(NAME, 'cert constraint: must be a string');
      c.keys = keys(NAME, v);
    } else if (k === 'secret' || k === 'alg' || k === 'iss' || k === 'aud') {
      if (typeof v !== 'string') throw new BuiltinError(NAME, `${k} constraint: must be a string`);
      c[k] = v;
    } else if (k === 'time') {
      if (typeName(v) !== 'number') throw new BuiltinError(NAME, 'token time constraint: must be a number');
      c.time = Number(v);
      if (c.time < 0) throw new BuiltinError(NAME, 'token time constraint: must not be negative');
    } else {
      throw new BuiltinError(NAME, `unknown token validation constraint: ${k}`);
    }
  }
  if (c.time === -1) c.time = Number(nowNs);
  const count = (c.keys !== undefined ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (count > 1) throw new BuiltinError(NAME, 'duplicate key constraints');
  if (count < 1) throw new BuiltinError(NAME, 'no key constraint');
  return c;
}

function decodeVerify(args: readonly unknown[], nowNs: bigint): unknown {
  const c = constraintsOf(objectArg(NAME, args, 1), nowNs);
  let token: unknown = args[0];
  let header: Record<string, unknown>;
  let payloadBytes: Buffer;
  for (let depth = 0; ; depth++) {
    if (depth > 16) throw new BuiltinError(NAME, 'too many nested tokens');
    const t = split(NAME, token);
    header = decodeHeader(NAME, t);
    const h = parseHeader(NAME, header);
    if (h.alg === '' || h.unknown.some((u) => h.crit?.has(u))) return UNVERIFIED;
    if (c.alg !== '' && c.alg !== h.alg) return UNVERIFIED;
    const sig = base64UrlDecode(t.signature, 'JWT signature had invalid encoding');
    const ok = c.keys !== undefined ? verifyWithKeys(c.keys, h.kid, h.alg, signedPart(t), sig) : verifyJws(createSecretKey(Buffer.from(c.secret)), h.alg, signedPart(t), sig);
    if (!ok) return UNVERIFIED;
    payloadBytes = base64UrlDecode(t.payload, 'JWT payload had invalid encoding');
    if (h.cty.toLowerCase() !== 'jwt') break;
    token = payloadBytes.toString('utf8');
  }
  const payload = jsonObject(NAME, payloadBytes);
  if (c.iss !== '') {
    if (!Object.hasOwn(payload, 'iss')) return UNVERIFIED;
    if (typeof payload['iss'] !== 'string') throw new BuiltinError(NAME, 'iss value must be a string');
    if (payload['iss'] !== c.iss) return UNVERIFIED;
  }
  if (Object.hasOwn(payload, 'aud')) {
    const aud = payload['aud'];
    if (!(aud === c.aud || (Array.isArray(aud) && aud.some((a) => a === c.aud)))) return UNVERIFIED;
  } else if (c.aud !== '') {
    return UNVERIFIED;
  }
  const now = c.time / 1e9;
  for (const claim of ['exp', 'nbf'] as const) {
    if (!Object.hasOwn(payload, claim)) continue;
    if (typeName(payload[claim]) !== 'number') throw new BuiltinError(NAME, `${claim} value must be a number`);
    const v = Number(payload[claim]);
    if (claim === 'exp' ? now >= v : now < v) return UNVERIFIED;
  }
  return [true, header, payload];
}
