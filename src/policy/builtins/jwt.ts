import { parseJsonExact } from '../wasm/rego-value.ts';
import { BuiltinError, stringArg, type HostBuiltin } from './builtin-types.ts';

const NAME = 'io.jwt.decode';
const MAX_NESTING = 16;

/**
 * OPA's io.jwt.decode (topdown/tokens.go): `[header, payload, signature_hex]` of a compact JWS,
 * without verifying anything. A `cty: JWT` header recurses into the payload; a JWE (`enc`) is
 * refused. Note: the sidecar's own input already carries the verified subject; decoding a token
 * again in Rego is only for tokens the policy receives as data.
 */
export const jwtBuiltins: Record<string, HostBuiltin> = {
  'io.jwt.decode': (args) => decode(stringArg(NAME, args, 0), 0),
};

function decode(token: string, depth: number): unknown {
  if (depth > MAX_NESTING) throw new BuiltinError(NAME, 'too many nested tokens');
  if (!token.includes('.')) throw new BuiltinError(NAME, 'encoded JWT had no period separators');
  const parts = token.split('.');
  if (parts.length !== 3) throw new BuiltinError(NAME, `encoded JWT must have 3 sections, found ${parts.length}`);
  const header = jsonObject(base64UrlDecode(parts[0]!, 'JWT header had invalid encoding'), 'bad JWT header: ');
  if (Object.hasOwn(header, 'enc')) throw new BuiltinError(NAME, 'JWT is a JWE object, which is not supported');
  const payload = base64UrlDecode(parts[1]!, 'JWT payload had invalid encoding');
  if (header['cty'] === 'JWT') {
    return decode(trimChars(payload.toString('latin1'), `"'`), depth + 1);
  }
  const claims = jsonObject(payload, '');
  const signature = base64UrlDecode(parts[2]!, 'JWT signature had invalid encoding');
  return [header, claims, signature.toString('hex')];
}

function jsonObject(bytes: Buffer, prefix: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = parseJsonExact(new TextDecoder().decode(bytes), 'raw');
  } catch (err) {
    throw new BuiltinError(NAME, `${prefix}invalid JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BuiltinError(NAME, `${prefix}decoded JSON type was not an Object`);
  return v as Record<string, unknown>;
}

/**
 * OPA's base64url.decode: padding is added when missing (RFC 7515 appendix C), then Go's
 * base64.URLEncoding decodes, which refuses bad characters and bad padding but skips CR and LF.
 */
export function base64UrlDecode(s: string, what: string): Buffer {
  let t = s;
  if (!t.endsWith('=')) {
    const r = t.length % 4;
    if (r === 1) throw new BuiltinError(NAME, `${what}: illegal base64url string: ${s}`);
    if (r === 2) t += '==';
    if (r === 3) t += '=';
  }
  const compact = t.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9_-]*(==|=)?$/.test(compact) || /=[^=]/.test(compact)) {
    throw new BuiltinError(NAME, `${what}: illegal base64 data`);
  }
  return Buffer.from(compact, 'base64url');
}

function trimChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}
