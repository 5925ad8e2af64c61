import { BuiltinError, stringArg, type HostBuiltin } from './builtin-types.ts';

const NAME = 'units.parse_bytes';
const UNITS: Record<string, bigint> = {
  '': 1n,
  k: 1000n, kb: 1000n, ki: 1n << 10n, kib: 1n << 10n,
  m: 10n ** 6n, mb: 10n ** 6n, mi: 1n << 20n, mib: 1n << 20n,
  g: 10n ** 9n, gb: 10n ** 9n, gi: 1n << 30n, gib: 1n << 30n,
  t: 10n ** 12n, tb: 10n ** 12n, ti: 1n << 40n, tib: 1n << 40n,
  p: 10n ** 15n, pb: 10n ** 15n, pi: 1n << 50n, pib: 1n << 50n,
  e: 10n ** 18n, eb: 10n ** 18n, ei: 1n << 60n, eib: 1n << 60n,
};
/** Largest decimal exponent computed; OPA allows six exponent digits, which would yield 10^999999. */
const MAX_EXPONENT = 400;

/**
 * OPA's units.parse_bytes (topdown/parse_bytes.go): lower-cased, quotes removed, no spaces; the
 * number may use an exponent; the result is the product truncated to an integer. The arithmetic
 * follows Go's big.Float at 64-bit precision (the number and the product are each rounded to
 * 64 mantissa bits, half to even), so fractional amounts round exactly as OPA rounds them.
 */
export const unitsBuiltins: Record<string, HostBuiltin> = {
  'units.parse_bytes': (args) => {
    const s = stringArg(NAME, args, 0).toLowerCase().replaceAll('"', '');
    if (s.includes(' ')) throw new BuiltinError(NAME, 'spaces not allowed in resource strings');
    const [num, unit] = splitNumAndUnit(s);
    if (num === '') throw new BuiltinError(NAME, 'no byte amount provided');
    const multiplier = UNITS[unit];
    if (multiplier === undefined) throw new BuiltinError(NAME, `byte unit ${unit} not recognized`);
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(num);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new BuiltinError(NAME, 'could not parse byte amount to a number');
    const negative = m[1] === '-';
    const digits = `${m[2]}${m[3] ?? ''}`;
    const exp10 = Number(m[4] ?? '0') - (m[3] ?? '').length;
    const d = BigInt(digits);
    if (d === 0n || exp10 < -(digits.length + 30)) return 0;
    if (exp10 > MAX_EXPONENT) throw new BuiltinError(NAME, 'exponent too large');
    // z = round64(D); z = round64(z * 5^e) or round64(z / 5^-e); z *= 2^e; total = round64(z * unit).
    let [mant, exp2] = round64(d, 1n);
    [mant, exp2] = exp10 >= 0 ? round64Shifted(mant * 5n ** BigInt(exp10), exp2, 1n) : round64Shifted(mant, exp2, 5n ** BigInt(-exp10));
    exp2 += exp10;
    [mant, exp2] = round64Shifted(mant * multiplier, exp2, 1n);
    const whole = exp2 >= 0 ? mant << BigInt(exp2) : mant >> BigInt(-exp2);
    return negative ? -whole : whole;
  },
};

/**
 * Go's extractNumAndUnit (topdown/parse_bytes.go): digits, '.', and an exponent of at most six
 * digits, then the unit. `name` is the builtin whose error this is.
 */
export function splitNumAndUnit(s: string, name = NAME): [string, string] {
  let boundary = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const isNum = (c >= '0' && c <= '9') || c === '.';
    const isExp = c === 'e' || c === 'E';
    if (!isNum && !isExp && c !== '+' && c !== '-') {
      boundary = i;
      break;
    }
    if (isExp) {
      const next = s[i + 1];
      if (next === undefined || !((next >= '0' && next <= '9') || next === '+' || next === '-')) {
        boundary = i;
        break;
      }
      if (next === '+' || next === '-') i++;
      let end = i + 1;
      while (end < s.length && s[end]! >= '0' && s[end]! <= '9') end++;
      if (end - (i + 1) > 6) throw new BuiltinError(name, 'exponent too large');
    }
  }
  if (boundary === -1) return [s, ''];
  if (boundary === 0) return ['', s];
  return [s.slice(0, boundary), s.slice(boundary)];
}

const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;

/** (num × 2^exp2) / den rounded to a 64-bit mantissa, half to even: [mantissa, exponent of 2]. */
function round64Shifted(num: bigint, exp2: number, den: bigint): [bigint, number] {
  const [mant, e] = round64(num, den);
  return [mant, e + exp2];
}

function round64(num: bigint, den: bigint): [bigint, number] {
  let e = num.toString(2).length - den.toString(2).length - 64;
  for (;;) {
    const n = e >= 0 ? num : num << BigInt(-e);
    const d = e >= 0 ? den << BigInt(e) : den;
    let q = n / d;
    if (q >= TWO64) {
      e++;
      continue;
    }
    if (q < TWO63) {
      e--;
      continue;
    }
    const r2 = (n - q * d) * 2n;
    if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
    if (q === TWO64) return [TWO63, e + 1];
    return [q, e];
  }
}
