import { BuiltinError, stringArg, type HostBuiltin } from './builtin-types.ts';
import { splitNumAndUnit } from './units.ts';

const NAME = 'units.parse';
const K = 1000n;
const UNITS: Record<string, bigint> = {
  '': 1n,
  k: K, K: K, ki: 1n << 10n, Ki: 1n << 10n,
  M: K ** 2n, mi: 1n << 20n, Mi: 1n << 20n,
  g: K ** 3n, G: K ** 3n, gi: 1n << 30n, Gi: 1n << 30n,
  t: K ** 4n, T: K ** 4n, ti: 1n << 40n, Ti: 1n << 40n,
  p: K ** 5n, P: K ** 5n, pi: 1n << 50n, Pi: 1n << 50n,
  e: K ** 6n, E: K ** 6n, ei: 1n << 60n, Ei: 1n << 60n,
};
/** `m` (milli) is Go's float64 0.001 as an exact fraction: 0x10624dd2f1a9fc / 2^62. */
const MILLI: [bigint, bigint] = [0x10624dd2f1a9fcn, 1n << 62n];
/** Largest decimal exponent computed; OPA allows six exponent digits, which would yield 10^999999. */
const MAX_EXPONENT = 400;

const rawJson = (s: string): unknown => (JSON as unknown as { rawJSON(s: string): unknown }).rawJSON(s);

/**
 * OPA's units.parse (topdown/parse_units.go): exact rational arithmetic (Go's big.Rat) of the
 * amount times the unit, an integer when it is one, otherwise rounded to ten decimals as Go's
 * FloatString(10) rounds (half away from zero). `m` is milli and `M` mega; other units ignore the
 * case of their second letter.
 */
export const unitsParseBuiltins: Record<string, HostBuiltin> = {
  'units.parse': (args) => {
    const s = stringArg(NAME, args, 0).replaceAll('"', '');
    if (s.includes(' ')) throw new BuiltinError(NAME, 'spaces not allowed in resource strings');
    const [num, rawUnit] = splitNumAndUnit(s, NAME);
    if (num === '') throw new BuiltinError(NAME, 'no amount provided');
    const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
    const factor: [bigint, bigint] | undefined = unit === 'm' ? MILLI : UNITS[unit] === undefined ? undefined : [UNITS[unit]!, 1n];
    if (factor === undefined) throw new BuiltinError(NAME, `unit ${unit} not recognized`);
    const [n, d] = parseRat(num);
    return format(n * factor[0], d * factor[1]);
  },
};

/** big.Rat's SetString for a decimal with optional fraction and exponent. */
function parseRat(num: string): [bigint, bigint] {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(num);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new BuiltinError(NAME, 'could not parse amount to a number');
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0') - frac.length;
  if (exp > MAX_EXPONENT) throw new BuiltinError(NAME, 'exponent too large');
  let n = BigInt(`${m[2]}${frac}` || '0');
  if (m[1] === '-') n = -n;
  if (exp < -(MAX_EXPONENT + num.length)) return [0n, 1n]; // far below the ten decimals kept
  return exp >= 0 ? [n * 10n ** BigInt(exp), 1n] : [n, 10n ** BigInt(-exp)];
}

/** An integer as its digits, otherwise Go's FloatString(10). */
function format(n: bigint, d: bigint): unknown {
  if (n % d === 0n) return n / d;
  const neg = n < 0n;
  const a = neg ? -n : n;
  const p = 10n ** 10n;
  let q = a / d;
  let r = ((a % d) * p) / d;
  const r2 = (((a % d) * p) % d) * 2n;
  if (d <= r2) {
    r += 1n;
    if (r >= p) {
      q += 1n;
      r -= p;
    }
  }
  return rawJson(`${neg ? '-' : ''}${q}.${r.toString().padStart(10, '0')}`);
}
