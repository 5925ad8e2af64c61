import { BuiltinError, INT64_MAX, INT64_MIN, stringArg, type HostBuiltin } from './builtin-types.ts';
import { daysFromCivil, daysIn } from './time.ts';
import { NAMED_LAYOUTS } from './time-format.ts';

/**
 * OPA's time.parse_ns (topdown/time.go): Go's time.Parse(layout, value) with the reference-time
 * layouts (time/format.go's rules: fixed and variable width numbers, month and day names, AM/PM,
 * numeric zones and `Z`, fractional seconds, also after seconds when the layout has none), then
 * the instant as int64 nanoseconds. A zone abbreviation (`MST`) is read but, as Go does for an
 * abbreviation it does not know, counts as UTC.
 */
const NAME = 'time.parse_ns';
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const TOKEN = /January|Jan|Monday|Mon|MST|0[1-6]|002|15|1|2006|2|_2006|__2|_2|3|4|5|PM|pm|-070000|-07:00:00|-0700|-07:00|-07|Z070000|Z07:00:00|Z0700|Z07:00|Z07|[.,](?:0+|9+)(?![0-9])/g;
const ZONES: Record<string, RegExp> = {
  '070000': /^([+-])(\d\d)(\d\d)(\d\d)/, '07:00:00': /^([+-])(\d\d):(\d\d):(\d\d)/, '0700': /^([+-])(\d\d)(\d\d)/, '07:00': /^([+-])(\d\d):(\d\d)/, '07': /^([+-])(\d\d)/,
};

/** The value being read, and the fields read from it so far (Go's zero values where absent). */
class Reader {
  v: string;
  year = 0;
  month = 1;
  day = 1;
  hour = 0;
  min = 0;
  sec = 0;
  nanos = 0;
  pm: boolean | undefined;
  offset = 0;
  yday = -1;
  readonly bad: (what?: string) => never;

  constructor(value: string, layout: string) {
    this.v = value;
    this.bad = (what = 'cannot parse') => {
      throw new BuiltinError(NAME, `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: ${what}`);
    };
  }

  num(fixed: number | undefined, max = 2): number {
    const m = (fixed ? new RegExp(`^\\d{${fixed}}`) : new RegExp(`^\\d{1,${max}}`)).exec(this.v);
    if (!m) this.bad();
    this.v = this.v.slice(m![0].length);
    return Number(m![0]);
  }

  /** Layout text outside tokens: matched exactly, a space matching one or more spaces. */
  literal(text: string): void {
    for (let i = 0; i < text.length; i++) {
      if (text[i] === ' ') {
        if (this.v.length > 0 && this.v[0] !== ' ') this.bad();
        this.v = this.v.replace(/^ +/, '');
        while (text[i + 1] === ' ') i++;
        continue;
      }
      if (this.v[0] !== text[i]) this.bad();
      this.v = this.v.slice(1);
    }
  }

  name(list: string[], short: boolean): number {
    const i = list.findIndex((n) => this.v.toLowerCase().startsWith(short ? n.slice(0, 3) : n));
    if (i === -1) this.bad();
    this.v = this.v.slice(short ? 3 : list[i]!.length);
    return i;
  }

  fraction(digits: number | undefined): void {
    const m = /^[.,](\d+)/.exec(this.v);
    if (!m || (digits !== undefined && m[1]!.length !== digits)) this.bad();
    this.nanos = Number(m![1]!.slice(0, 9).padEnd(9, '0'));
    this.v = this.v.slice(m![0].length);
  }

  zone(tok: string): void {
    if (tok[0] === 'Z' && this.v[0] === 'Z') {
      this.v = this.v.slice(1);
      this.offset = 0;
      return;
    }
    const m = ZONES[tok.slice(1)]?.exec(this.v);
    if (!m) this.bad();
    this.v = this.v.slice(m![0].length);
    this.offset = (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 3600 + Number(m![3] ?? 0) * 60 + Number(m![4] ?? 0));
  }

  /** One layout token; `fractionNext` says the layout's next token is a fraction right after it. */
  token(tok: string, fractionNext: boolean): void {
    switch (tok) {
      case 'January': case 'Jan': this.month = this.name(MONTHS, tok === 'Jan') + 1; break;
      case 'Monday': case 'Mon': this.name(DAYS, tok === 'Mon'); break;
      case 'MST': {
        const m = /^(UTC|GMT|[A-Z]{3,5})/.exec(this.v);
        if (!m) this.bad();
        this.v = this.v.slice(m![0].length);
        break;
      }
      case '2006': this.year = this.num(4); break;
      case '_2006': this.literal('_'); this.year = this.num(4); break;
      case '06': { const y = this.num(2); this.year = y >= 69 ? 1900 + y : 2000 + y; break; }
      case '01': this.month = this.num(2); break;
      case '1': this.month = this.num(undefined); break;
      case '02': this.day = this.num(2); break;
      case '_2': this.v = this.v.replace(/^ /, ''); this.day = this.num(undefined); break;
      case '2': this.day = this.num(undefined); break;
      case '002': this.yday = this.num(3); break;
      case '__2': this.v = this.v.replace(/^ {1,2}/, ''); this.yday = this.num(undefined, 3); break;
      case '15': case '3': this.hour = this.num(undefined); break;
      case '03': this.hour = this.num(2); break;
      case '04': this.min = this.num(2); break;
      case '4': this.min = this.num(undefined); break;
      case '05': case '5':
        this.sec = tok === '05' ? this.num(2) : this.num(undefined);
        // Go reads a fraction after the seconds even when the layout has none.
        if (/^[.,]\d/.test(this.v) && !fractionNext) this.fraction(undefined);
        break;
      case 'PM': case 'pm': {
        const m = /^(AM|PM|am|pm)/.exec(this.v);
        if (!m) this.bad();
        this.pm = m![0].toUpperCase() === 'PM';
        this.v = this.v.slice(2);
        break;
      }
      default:
        if (tok[0] === '.' || tok[0] === ',') this.fraction(tok[1] === '0' ? tok.length - 1 : undefined);
        else this.zone(tok);
    }
  }

  /** The fields checked as Go's Parse checks them, as int64 nanoseconds since the epoch. */
  instant(): bigint {
    if (this.pm !== undefined) {
      if (this.hour < 1 || this.hour > 12) this.bad('hour out of range');
      if (this.pm && this.hour < 12) this.hour += 12;
      else if (!this.pm && this.hour === 12) this.hour = 0;
    }
    if (this.yday >= 0) {
      let d = this.yday;
      this.month = 1;
      while (this.month <= 12 && d > daysIn(this.year, this.month)) d -= daysIn(this.year, this.month++);
      if (this.month > 12 || d < 1) this.bad('day-of-year out of range');
      this.day = d;
    }
    if (this.month < 1 || this.month > 12) this.bad('month out of range');
    if (this.day < 1 || this.day > daysIn(this.year, this.month)) this.bad('day out of range');
    if (this.hour > 23 || this.min > 59 || this.sec > 59) this.bad('time out of range');
    const days = daysFromCivil(BigInt(this.year), this.month, this.day);
    const ns = (days * 86400n + BigInt(this.hour * 3600 + this.min * 60 + this.sec - this.offset)) * 1_000_000_000n + BigInt(this.nanos);
    if (ns < INT64_MIN || ns > INT64_MAX) throw new BuiltinError(NAME, 'time outside of valid range');
    return ns;
  }
}

export function parseTime(layoutName: string, value: string): bigint {
  const layout = NAMED_LAYOUTS[layoutName] ?? layoutName;
  const r = new Reader(value, layout);
  const tokens = [...layout.matchAll(TOKEN)];
  let last = 0;
  tokens.forEach((t, i) => {
    r.literal(layout.slice(last, t.index));
    last = t.index + t[0].length;
    const next = tokens[i + 1];
    r.token(t[0], next !== undefined && next.index === last && /^[.,]/.test(next[0]));
  });
  r.literal(layout.slice(last));
  if (r.v !== '') r.bad(`extra text: ${JSON.stringify(r.v)}`);
  return r.instant();
}

export const timeParseBuiltins: Record<string, HostBuiltin> = {
  'time.parse_ns': (args) => parseTime(stringArg(NAME, args, 0), stringArg(NAME, args, 1)),
};
