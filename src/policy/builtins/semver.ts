import { BuiltinError, INT64_MAX, stringArg, type HostBuiltin } from './builtin-types.ts';

/**
 * OPA's semver.is_valid and semver.compare (internal/semver/semver.go in OPA): SemVer 2.0.0 with an
 * optional leading `v`, int64 version numbers, no leading zeros. Written out rather than taken
 * from npm's `semver`, which differs where OPA is particular: it caps numbers at 2^53-1, and
 * OPA accepts `v1.2.3` while refusing the loose forms npm accepts.
 */
interface Version {
  readonly core: [bigint, bigint, bigint];
  readonly pre: string;
}

const IDENTIFIERS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const isDecimal = (s: string): boolean => /^\d+$/.test(s);

export const semverBuiltins: Record<string, HostBuiltin> = {
  'semver.is_valid': (args) => typeof args[0] === 'string' && parse(args[0]) !== undefined,
  'semver.compare': (args) => {
    const a = parse(stringArg('semver.compare', args, 0));
    if (!a) throw new BuiltinError('semver.compare', `operand 1: string ${String(args[0])} is not a valid SemVer`);
    const b = parse(stringArg('semver.compare', args, 1));
    if (!b) throw new BuiltinError('semver.compare', `operand 2: string ${String(args[1])} is not a valid SemVer`);
    return compare(a, b);
  },
};

function parse(input: string): Version | undefined {
  let s = input.startsWith('v') ? input.slice(1) : input;
  const plus = s.indexOf('+');
  if (plus !== -1) {
    if (!IDENTIFIERS.test(s.slice(plus + 1))) return undefined;
    s = s.slice(0, plus);
  }
  let pre = '';
  const dash = s.indexOf('-');
  if (dash !== -1) {
    pre = s.slice(dash + 1);
    if (!IDENTIFIERS.test(pre) || pre.split('.').some((id) => id.length > 1 && id[0] === '0' && isDecimal(id))) return undefined;
    s = s.slice(0, dash);
  }
  const parts = s.split('.');
  if (parts.length !== 3) return undefined;
  const nums = parts.map((p) => (isDecimal(p) && !(p.length > 1 && p[0] === '0') && BigInt(p) <= INT64_MAX ? BigInt(p) : undefined));
  if (nums.some((n) => n === undefined)) return undefined;
  return { core: nums as [bigint, bigint, bigint], pre };
}

const cmp = <T extends bigint | string>(a: T, b: T): number => (a > b ? 1 : a < b ? -1 : 0);

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const c = cmp(a.core[i]!, b.core[i]!);
    if (c !== 0) return c;
  }
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  const as = a.pre.split('.');
  const bs = b.pre.split('.');
  for (let i = 0; ; i++) {
    if (i >= as.length) return i >= bs.length ? 0 : -1;
    if (i >= bs.length) return 1;
    const x = as[i]!;
    const y = bs[i]!;
    const xi = isDecimal(x);
    const yi = isDecimal(y);
    if (xi !== yi) return xi ? -1 : 1;
    // Go's Atoi saturates at int64 bounds; strings compare by bytes (ASCII here).
    const c = xi ? cmp(min64(BigInt(x)), min64(BigInt(y))) : cmp(x, y);
    if (c !== 0) return c;
  }
}

const min64 = (n: bigint): bigint => (n > INT64_MAX ? INT64_MAX : n);
