import { BuiltinError, INT64_MAX, INT64_MIN, integerArg, stringArg, typeName, type HostBuiltin } from './builtin-types.ts';

/**
 * OPA's time builtins (topdown/time.go) on BigInt nanoseconds, so results keep every digit.
 * A time operand is `ns` or `[ns, tz]`; tz is "" or "UTC", "Local", or an IANA name (resolved by
 * ICU here, by Go's tzdata in OPA: the same database).
 */

const NS = 1_000_000_000n;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export interface Zoned {
  readonly ns: bigint;
  /** undefined = UTC; 'Local' = the process time zone; otherwise an IANA name. */
  readonly tz: string | undefined;
}

export interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** Seconds since local midnight. */
  readonly sod: number;
  /** Days since 1970-01-01 of the local date (for the weekday). */
  readonly days: number;
}

const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

export const timeBuiltins: Record<string, HostBuiltin> = {
  'time.now_ns': (_args, ctx) => ctx.nowNs,
  'time.parse_rfc3339_ns': (args) => checkRange('time.parse_rfc3339_ns', parseRfc3339(stringArg('time.parse_rfc3339_ns', args, 0))),
  'time.date': (args) => {
    const w = wallOf(zoned('time.date', args[0]));
    return [w.year, w.month, w.day];
  },
  'time.clock': (args) => {
    const w = wallOf(zoned('time.clock', args[0]));
    return [Math.floor(w.sod / 3600), Math.floor(w.sod / 60) % 60, w.sod % 60];
  },
  'time.weekday': (args) => WEEKDAYS[(((wallOf(zoned('time.weekday', args[0])).days + 4) % 7) + 7) % 7],
  'time.add_date': (args) => {
    const z = zoned('time.add_date', args[0]);
    const years = integerArg('time.add_date', args, 1);
    const months = integerArg('time.add_date', args, 2);
    const daysToAdd = integerArg('time.add_date', args, 3);
    const w = wallOf(z);
    const nsRem = z.ns - floorDiv(z.ns, NS) * NS;
    // Go's time.Date normalises months into years first, then lets the day overflow.
    const totalMonths = BigInt(w.year) * 12n + BigInt(w.month - 1) + years * 12n + months;
    const y = floorDiv(totalMonths, 12n);
    const m = Number(totalMonths - y * 12n) + 1;
    const days = daysFromCivil(y, m, 1) + BigInt(w.day - 1) + daysToAdd;
    const wallSecs = days * 86400n + BigInt(w.sod);
    return checkRange('time.add_date', (wallSecs - BigInt(zoneOffsetForWall(z.tz, wallSecs))) * NS + nsRem);
  },
};

/** Go's time.Parse(time.RFC3339, s): its strict fast path (time/format_rfc3339.go). */
function parseRfc3339(s: string): bigint {
  const bad = (): never => {
    throw new BuiltinError('time.parse_rfc3339_ns', `parsing time "${s}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
  };
  if (s.length < 19) bad();
  const num = (from: number, to: number, min: number, max: number): number => {
    const part = s.slice(from, to);
    if (!/^\d+$/.test(part)) bad();
    const n = Number(part);
    if (n < min || n > max) bad();
    return n;
  };
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') bad();
  const year = num(0, 4, 0, 9999);
  const month = num(5, 7, 1, 12);
  const day = num(8, 10, 1, daysIn(year, month));
  const hour = num(11, 13, 0, 23);
  const min = num(14, 16, 0, 59);
  const sec = num(17, 19, 0, 59);
  let rest = s.slice(19);
  let nanos = 0n;
  const frac = /^\.(\d+)/.exec(rest);
  if (frac) {
    // Go keeps the first nine digits and ignores the rest (no rounding).
    nanos = BigInt(frac[1]!.slice(0, 9).padEnd(9, '0'));
    rest = rest.slice(frac[0].length);
  }
  let offset = 0;
  if (rest !== 'Z') {
    const m = /^([+-])(\d\d):(\d\d)$/.exec(rest);
    if (!m) bad();
    const hh = Number(m![2]);
    const mm = Number(m![3]);
    if (hh > 23 || mm > 59) bad();
    offset = (m![1] === '-' ? -1 : 1) * (hh * 3600 + mm * 60);
  }
  const secs = daysFromCivil(BigInt(year), month, day) * 86400n + BigInt(hour * 3600 + min * 60 + sec) - BigInt(offset);
  return secs * NS + nanos;
}

function checkRange(name: string, ns: bigint): bigint {
  if (ns < INT64_MIN || ns > INT64_MAX) throw new BuiltinError(name, 'time outside of valid range');
  return ns;
}

/** OPA's tzTime: `ns` or `[ns, tz]`, ns an exact integer. */
export function zoned(name: string, v: unknown): Zoned {
  let n: unknown = v;
  let tz: string | undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) throw new BuiltinError(name, 'operand 1 must be one of {number, array} containing a number (ns) and an optional string (tz)');
    n = v[0];
    if (v.length > 1) {
      if (typeof v[1] !== 'string') throw new BuiltinError(name, `operand 1 must be string but got ${typeName(v[1])}`);
      tz = v[1] === '' || v[1] === 'UTC' ? undefined : v[1];
      if (tz !== undefined && tz !== 'Local') formatter(name, tz);
    }
  }
  if (typeof n === 'bigint') return { ns: checkInt64(name, n), tz };
  if (typeof n === 'number') {
    if (!Number.isInteger(n)) throw new BuiltinError(name, 'timestamp too big');
    return { ns: checkInt64(name, BigInt(n)), tz };
  }
  throw new BuiltinError(name, `operand 1 must be one of {number, array} but got ${typeName(n)}`);
}

function checkInt64(name: string, ns: bigint): bigint {
  if (ns < INT64_MIN || ns > INT64_MAX) throw new BuiltinError(name, 'timestamp too big');
  return ns;
}

export function wallOf(z: Zoned): Wall {
  const secs = floorDiv(z.ns, NS);
  const local = secs + BigInt(zoneOffsetAt(z.tz, secs));
  const days = floorDiv(local, 86400n);
  const [year, month, day] = civilFromDays(days);
  return { year, month, day, sod: Number(local - days * 86400n), days: Number(days) };
}

/** Go's time.Date zone lookup for a local wall time: the offset at wall-as-UTC, corrected once. */
function zoneOffsetForWall(tz: string | undefined, wallSecs: bigint): number {
  if (tz === undefined) return 0;
  const first = zoneOffsetAt(tz, wallSecs);
  if (first === 0) return 0;
  const second = zoneOffsetAt(tz, wallSecs - BigInt(first));
  return second;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(name: string, tz: string | undefined): Intl.DateTimeFormat {
  const key = tz ?? 'Local';
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        ...(tz === 'Local' || tz === undefined ? {} : { timeZone: tz }),
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new BuiltinError(name, `unknown time zone ${tz}`);
    }
    if (formatters.size < 1000) formatters.set(key, f);
  }
  return f;
}

/** Seconds east of UTC in `tz` at the instant `secs` (0 for UTC). */
export function zoneOffsetAt(tz: string | undefined, secs: bigint): number {
  if (tz === undefined) return 0;
  const ms = Number(secs) * 1000;
  const parts: Record<string, string> = {};
  for (const p of formatter('time', tz).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const year = parts['era'] === 'BC' ? 1 - Number(parts['year']) : Number(parts['year']);
  const wall = daysFromCivil(BigInt(year), Number(parts['month']), Number(parts['day'])) * 86400n +
    BigInt(Number(parts['hour']) * 3600 + Number(parts['minute']) * 60 + Number(parts['second']));
  return Number(wall - secs);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysIn(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(year: bigint, month: number, day: number): bigint {
  const y = month <= 2 ? year - 1n : year;
  const era = floorDiv(y, 400n);
  const yoe = y - era * 400n;
  const mp = BigInt((month + 9) % 12);
  const doy = (153n * mp + 2n) / 5n + BigInt(day - 1);
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146097n + doe - 719468n;
}

function civilFromDays(days: bigint): [number, number, number] {
  const z = days + 719468n;
  const era = floorDiv(z, 146097n);
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const month = Number(mp < 10n ? mp + 3n : mp - 9n);
  const year = Number(yoe + era * 400n) + (month <= 2 ? 1 : 0);
  return [year, month, day];
}
