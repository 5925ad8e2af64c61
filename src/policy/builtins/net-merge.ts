import { compareValues, RegoSet } from '../wasm/rego-value.ts';
import { BuiltinError, typeName, type HostBuiltin } from './builtin-types.ts';
import { formatIp, parseAddr, parseCidr } from './net.ts';

/**
 * OPA's net.cidr_merge and net.cidr_contains_matches (topdown/cidr.go). Addresses live in one
 * 128-bit space with IPv4 mapped to ::ffff:0:0/96, as Go's 16-byte net.IP keeps them, so the
 * merge sees what OPA's sees; merged ranges are written as their (unique) minimal CIDR cover.
 * A bare IPv4 address stands for its classful network (Go's DefaultMask), a bare IPv6 address is
 * an error, as in OPA.
 */
const V4_PREFIX = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

interface Net { readonly first: bigint; readonly last: bigint; readonly v4: boolean; readonly text?: string }

function toBig(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function range(bytes: Uint8Array, prefix: number): Net {
  const v4 = bytes.length === 4 || (bytes.length === 16 && toBig(bytes.subarray(0, 12)) === 0xffffn);
  const addr = bytes.length === 4 ? V4_PREFIX | toBig(bytes) : toBig(bytes);
  const bits = bytes.length === 4 ? prefix + 96 : prefix;
  const host = (1n << BigInt(128 - bits)) - 1n;
  return { first: addr & (ALL ^ host), last: (addr & (ALL ^ host)) | host, v4 };
}

/** A CIDR string as its range, or undefined. */
function cidrRange(s: string): Net | undefined {
  const c = parseCidr(s);
  return c && range(c.bytes, c.prefix);
}

function mergeElement(v: unknown): Net {
  if (typeof v !== 'string') throw new BuiltinError('net.cidr_merge', 'element must be string');
  const ip = parseAddr(v);
  if (ip) {
    const v4 = ip.length === 4 ? ip : undefined;
    if (!v4) throw new BuiltinError('net.cidr_merge', 'IPv6 invalid: needs prefix length');
    const bits = v4[0]! < 0x80 ? 8 : v4[0]! < 0xc0 ? 16 : v4[0]! < 0xe0 ? 24 : 32;
    // Left unmerged, OPA writes Go's IPNet of the address as given: its host bits stay.
    return { ...range(v4, bits), text: `${v4.join('.')}/${bits}` };
  }
  const r = cidrRange(v);
  if (!r) throw new BuiltinError('net.cidr_merge', `invalid CIDR address: ${v}`);
  return r;
}

function format(first: bigint, bits: number): string {
  if (bits >= 96 && first >> 32n === 0xffffn) {
    const n = Number(first & 0xffffffffn);
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${bits - 96}`;
  }
  const bytes = new Uint8Array(16);
  for (let i = 15, x = first; i >= 0; i--, x >>= 8n) bytes[i] = Number(x & 0xffn);
  return `${formatIp(bytes)}/${bits}`;
}

/** The minimal list of CIDR blocks covering [first, last]. */
function cover(first: bigint, last: bigint): string[] {
  const out: string[] = [];
  let a = first;
  while (a <= last) {
    let k = 0n;
    while (k < 128n && (a & ((1n << (k + 1n)) - 1n)) === 0n && a + (1n << (k + 1n)) - 1n <= last) k++;
    out.push(format(a, 128 - Number(k)));
    a += 1n << k;
  }
  return out;
}

/** net.cidr_contains: a CIDR contains an address or CIDR of its own family. */
function cidrContains(a: string, b: string): boolean {
  const outer = cidrRange(a);
  if (!outer) throw new BuiltinError('net.cidr_contains_matches', `invalid CIDR address: ${a}`);
  const ip = parseAddr(b);
  const inner = ip ? range(ip, ip.length * 8) : cidrRange(b);
  if (!inner) throw new BuiltinError('net.cidr_contains_matches', `not a valid textual representation of an IP address or CIDR: ${b}`);
  return outer.v4 === inner.v4 && outer.first <= inner.first && inner.last <= outer.last;
}

/** The (cidr, key) pairs of a contains_matches operand. */
function entries(operand: number, v: unknown): [string, unknown][] {
  const cidrOf = (x: unknown): string => {
    const c = typeof x === 'string' ? x : Array.isArray(x) && x.length > 0 ? x[0] : undefined;
    if (c === undefined) throw new BuiltinError('net.cidr_contains_matches', `operand ${operand}: element must be string or non-empty array`);
    if (typeof c !== 'string') throw new BuiltinError('net.cidr_contains_matches', `operand ${operand} must be string but got ${typeName(c)}`);
    return c;
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [cidrOf(x), i]);
  if (v instanceof RegoSet) return v.items.map((x) => [cidrOf(x), x]);
  if (typeName(v) === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => [cidrOf(x), k]);
  return [];
}

export const netMergeBuiltins: Record<string, HostBuiltin> = {
  'net.cidr_merge': (args) => {
    const v = args[0];
    if (!Array.isArray(v) && !(v instanceof RegoSet)) throw new BuiltinError('net.cidr_merge', 'operand must be an array');
    const nets = (Array.isArray(v) ? v : v.items).map(mergeElement).sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
    const merged: { first: bigint; last: bigint; only?: Net | undefined }[] = [];
    for (const n of nets) {
      const top = merged[merged.length - 1];
      if (top && n.first <= top.last + 1n) {
        top.last = n.last > top.last ? n.last : top.last;
        top.only = undefined;
      } else {
        merged.push({ first: n.first, last: n.last, only: n });
      }
    }
    return new RegoSet(merged.flatMap((r) => (r.only?.text !== undefined ? [r.only.text] : cover(r.first, r.last))));
  },
  'net.cidr_contains_matches': (args) => {
    const out: unknown[][] = [];
    for (const [c1, k1] of entries(1, args[0])) for (const [c2, k2] of entries(2, args[1])) if (cidrContains(c1, c2)) out.push([k1, k2]);
    return new RegoSet(out.sort(compareValues));
  },
};
