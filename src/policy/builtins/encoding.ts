import { BuiltinError, objectArg, stringArg, type HostBuiltin } from './builtin-types.ts';
import { compareStrings, RegoSet } from '../wasm/rego-value.ts';

/**
 * OPA's encoding builtins that its Wasm target leaves to the host (topdown/encoding.go, uuid.go):
 * Go's url.QueryEscape/QueryUnescape/ParseQuery, encoding/hex, base64 without padding, and
 * google/uuid's parser. Strings are UTF-8 bytes in Go; bytes that are not valid UTF-8 after a
 * decode become U+FFFD here.
 */
export const encodingBuiltins: Record<string, HostBuiltin> = {
  'base64url.encode_no_pad': (args) => Buffer.from(stringArg('base64url.encode_no_pad', args, 0)).toString('base64url'),
  'hex.encode': (args) => Buffer.from(stringArg('hex.encode', args, 0)).toString('hex'),
  'hex.decode': (args) => {
    const s = stringArg('hex.decode', args, 0);
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new BuiltinError('hex.decode', `encoding/hex: invalid byte or odd length in ${JSON.stringify(s)}`);
    return utf8(Buffer.from(s, 'hex'));
  },
  'urlquery.encode': (args) => queryEscape(stringArg('urlquery.encode', args, 0)),
  'urlquery.decode': (args) => queryUnescape('urlquery.decode', stringArg('urlquery.decode', args, 0)),
  'urlquery.encode_object': (args) => {
    const name = 'urlquery.encode_object';
    const o = objectArg(name, args, 0);
    const pairs: string[] = [];
    for (const k of Object.keys(o).sort(compareStrings)) {
      const v = o[k];
      const values = typeof v === 'string' ? [v] : Array.isArray(v) ? v : v instanceof RegoSet ? v.items : undefined;
      if (!values || values.some((x) => typeof x !== 'string')) throw new BuiltinError(name, 'operand 1 values must be string, array[string], or set[string]');
      for (const x of values) pairs.push(`${queryEscape(k)}=${queryEscape(x as string)}`);
    }
    return pairs.join('&');
  },
  'urlquery.decode_object': (args) => {
    const name = 'urlquery.decode_object';
    const out: Record<string, string[]> = {};
    for (const part of stringArg(name, args, 0).split('&')) {
      if (part === '') continue;
      if (part.includes(';')) throw new BuiltinError(name, 'invalid semicolon separator in query');
      const eq = part.indexOf('=');
      const key = queryUnescape(name, eq === -1 ? part : part.slice(0, eq));
      const value = queryUnescape(name, eq === -1 ? '' : part.slice(eq + 1));
      (out[key] ??= []).push(value);
    }
    return out;
  },
  'uuid.parse': (args) => parseUuid(stringArg('uuid.parse', args, 0)),
};

const utf8 = (b: Buffer): string => new TextDecoder().decode(b);

/** Go's url.QueryEscape: everything but A-Z a-z 0-9 - _ . ~ is %XX, space is '+'. */
function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's url.QueryUnescape: '+' is a space; a malformed %XX is an error. */
function queryUnescape(name: string, s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new BuiltinError(name, `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+') {
      bytes.push(0x20);
    } else {
      bytes.push(...Buffer.from(c));
    }
  }
  return utf8(Buffer.from(bytes));
}

/** google/uuid's Parse and OPA's fields: version and variant, and time, node and clock for v1/v2. */
function parseUuid(s: string): unknown {
  let t = s;
  if (t.length === 45) {
    if (t.slice(0, 9).toLowerCase() !== 'urn:uuid:') return undefined;
    t = t.slice(9);
  } else if (t.length === 38) {
    t = t.slice(1, 37); // google/uuid skips the first and last characters without looking at them
  }
  let hex: string;
  if (t.length === 36) {
    if (t[8] !== '-' || t[13] !== '-' || t[18] !== '-' || t[23] !== '-') return undefined;
    hex = t.slice(0, 8) + t.slice(9, 13) + t.slice(14, 18) + t.slice(19, 23) + t.slice(24);
  } else if (t.length === 32) {
    hex = t;
  } else {
    return undefined;
  }
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const u = Buffer.from(hex, 'hex');
  const version = u[6]! >> 4;
  const out: Record<string, unknown> = { version, variant: variant(u[8]!) };
  if (version === 1 || version === 2) {
    const time = BigInt(u.readUInt32BE(0)) | (BigInt(u.readUInt16BE(4)) << 32n) | (BigInt(u.readUInt16BE(6) & 0xfff) << 48n);
    const since = time - 122192928000000000n;
    out['time'] = (since / 10_000_000n) * 1_000_000_000n + (since % 10_000_000n) * 100n;
    out['nodeid'] = [...u.subarray(10, 16)].map((b) => b.toString(16).padStart(2, '0')).join('-');
    const b0 = u[10]!;
    out['macvariables'] = (b0 & 3) === 3 ? 'local:multicast' : (b0 & 1) === 1 ? 'global:multicast' : (b0 & 2) === 2 ? 'local:unicast' : 'global:unicast';
    out['clocksequence'] = u.readUInt16BE(8) & 0x3fff;
    if (version === 2) {
      out['id'] = u.readUInt32BE(0);
      out['domain'] = ['Person', 'Group', 'Org'][u[9]!] ?? `Domain${u[9]}`;
    }
  }
  return out;
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  if ((b & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

