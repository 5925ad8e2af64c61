import { BuiltinError, INT64_MAX, stringArg, type HostBuiltin } from './builtin-types.ts';
import { formatFloatBody } from './go-fmt.ts';
import { daysIn, wallOf, zoned, zoneOffsetAt } from './time.ts';
import { formatTime } from './time-format.ts';

/**
 * OPA's time.parse_duration_ns, time.diff and time.format (topdown/time.go): Go's
 * time.ParseDuration with OPA's d/w/y extension, Go's calendar difference, and Go's layouts.
 */
const UNITS: Record<string, bigint> = { ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const DAYS: Record<string, number> = { d: 24, w: 7 * 24, y: 365 * 24 };

/** Go's time.ParseDuration. */
function parseDuration(s: string): bigint {
  const bad = (): never => {
    throw new BuiltinError('time.parse_duration_ns', `time: invalid duration ${JSON.stringify(s)}`);
  };
  let rest = s;
  let neg = false;
  if (rest[0] === '-' || rest[0] === '+') {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') bad();
  let total = 0n;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) bad();
    const unit = UNITS[m![3]!.match(/^(ns|us|µs|μs|ms|s|m|h)/)?.[0] ?? ''];
    const unitText = m![3]!.match(/^(ns|us|µs|μs|ms|s|m|h)/)?.[0];
    if (unit === undefined || unitText === undefined) bad();
    rest = rest.slice(m![1]!.length + (m![2] === undefined ? 0 : m![2].length + 1) + unitText!.length);
    let v = BigInt(m![1] || '0') * unit!;
    const frac = (m![2] ?? '').slice(0, 19);
    if (frac !== '' && BigInt(frac) > 0n) v += BigInt(Math.trunc(Number(frac) * (Number(unit) / 10 ** frac.length)));
    total += v;
    if (total > INT64_MAX + (neg ? 1n : 0n)) bad();
  }
  return neg ? -total : total;
}

/** OPA's parseExtendedDuration: d, w and y segments rewritten to hours first. */
function parseExtended(s: string): bigint {
  if (!/[dwy]/.test(s)) return parseDuration(s);
  const m = /^([-+]?)((?:[0-9.]+(?:ms|us|µs|ns|[a-z]))+)$/.exec(s);
  if (!m) throw new BuiltinError('time.parse_duration_ns', `time: invalid duration ${JSON.stringify(s)}`);
  const rewritten = m[2]!.replace(/([0-9.]+)(ms|us|µs|ns|[a-z])/g, (all, digits: string, unit: string) => {
    const coeff = DAYS[unit];
    if (coeff === undefined) return all;
    const v = Number(digits);
    if (!/^(\d+\.?\d*|\.\d+)$/.test(digits)) throw new BuiltinError('time.parse_duration_ns', `time: invalid duration ${JSON.stringify(s)}`);
    return `${formatFloatBody(v * coeff, 'f', -1)}h`;
  });
  return parseDuration(m[1] + rewritten);
}

export const timeExtraBuiltins: Record<string, HostBuiltin> = {
  'time.parse_duration_ns': (args) => parseExtended(stringArg('time.parse_duration_ns', args, 0)),
  'time.diff': (args) => {
    let a = zoned('time.diff', args[0]);
    let b = { ...zoned('time.diff', args[1]), tz: a.tz };
    if (a.ns > b.ns) [a, b] = [b, a];
    const w1 = wallOf(a);
    const w2 = wallOf(b);
    let [year, month, day] = [w2.year - w1.year, w2.month - w1.month, w2.day - w1.day];
    let hour = Math.floor(w2.sod / 3600) - Math.floor(w1.sod / 3600);
    let min = (Math.floor(w2.sod / 60) % 60) - (Math.floor(w1.sod / 60) % 60);
    let sec = (w2.sod % 60) - (w1.sod % 60);
    if (sec < 0) [sec, min] = [sec + 60, min - 1];
    if (min < 0) [min, hour] = [min + 60, hour - 1];
    if (hour < 0) [hour, day] = [hour + 24, day - 1];
    if (day < 0) [day, month] = [day + daysIn(w1.year, w1.month), month - 1];
    if (month < 0) [month, year] = [month + 12, year - 1];
    return [year, month, day, hour, min, sec];
  },
  'time.format': (args) => {
    const z = zoned('time.format', args[0]);
    const v = args[0];
    const layout = Array.isArray(v) && v.length > 2 ? v[2] : '';
    if (typeof layout !== 'string') throw new BuiltinError('time.format', 'operand 1 must be string');
    return formatTime(z.ns, z.tz, zoneOffsetAt(z.tz, z.ns / 1_000_000_000n - (z.ns < 0n && z.ns % 1_000_000_000n !== 0n ? 1n : 0n)), wallOf(z), layout || 'RFC3339Nano');
  },
};
