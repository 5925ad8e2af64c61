import { RegoSet } from '../wasm/rego-value.ts';
import { BuiltinError, stringArg, type HostBuiltin } from './builtin-types.ts';

/** Most addresses net.cidr_expand returns; OPA has no limit but a query deadline. */
const MAX_CIDR_EXPANSION = 65536;

/** OPA's net.cidr_expand and net.cidr_is_valid (topdown/cidr.go) with Go's net.ParseCIDR rules. */
export const netBuiltins: Record<string, HostBuiltin> = {
  'net.cidr_expand': (args) => {
    const cidr = stringArg('net.cidr_expand', args, 0);
    const net = parseCidr(cidr);
    if (!net) throw new BuiltinError('net.cidr_expand', `invalid CIDR address: ${cidr}`);
    const hostBits = net.bytes.length * 8 - net.prefix;
    const count = 1n << BigInt(hostBits);
    if (count > BigInt(MAX_CIDR_EXPANSION)) {
      throw new BuiltinError('net.cidr_expand', `${cidr} has ${count} addresses, more than the ${MAX_CIDR_EXPANSION} this sidecar expands`);
    }
    const first = toBigInt(net.bytes) & ~(count - 1n);
    const out: string[] = [];
    for (let i = 0n; i < count; i++) out.push(formatIp(fromBigInt(first + i, net.bytes.length)));
    return new RegoSet(out);
  },
  'net.cidr_is_valid': (args) => typeof args[0] === 'string' && parseCidr(args[0]) !== undefined,
};

export function parseCidr(s: string): { bytes: Uint8Array; prefix: number } | undefined {
  const slash = s.indexOf('/');
  if (slash === -1) return undefined;
  const bytes = parseAddr(s.slice(0, slash));
  const mask = s.slice(slash + 1);
  if (!bytes || !/^\d{1,9}$/.test(mask)) return undefined;
  const prefix = Number(mask);
  if (prefix > bytes.length * 8) return undefined;
  return { bytes, prefix };
}

/** netip.ParseAddr: dotted IPv4 without leading zeros, or IPv6 (no zone). */
export function parseAddr(s: string): Uint8Array | undefined {
  if (!s.includes(':')) return parseV4(s);
  return parseV6(s);
}

function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseV6(s: string): Uint8Array | undefined {
  if (s.includes('%')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function fromBigInt(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** Go's net.IP.String: dotted IPv4 (also for IPv4-mapped IPv6), otherwise RFC 5952. */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return b.join('.');
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.subarray(12).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
