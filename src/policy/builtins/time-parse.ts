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

export function parseTime(layoutName: string, value: string): bigint {
  const layout = NAMED_LAYOUTS[layoutName] ?? layoutName;
  const bad = (what = 'cannot parse'): never => {
    throw new BuiltinError(NAME, `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: ${what}`);
  };
  let v = value;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset = 0;
  let yday = -1;
  const num = (fixed: number | undefined, max = 2): number => {
    const m = (fixed ? new RegExp(`^\\d{${fixed}}`) : new RegExp(`^\\d{1,${max}}`)).exec(v);
    if (!m) bad();
    v = v.slice(m![0].length);
    return Number(m![0]);
  };
  const literal = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      if (text[i] === ' ') {
        if (v.length > 0 && v[0] !== ' ') bad();
        v = v.replace(/^ +/, '');
        while (text[i + 1] === ' ') i++;
        continue;
      }
      if (v[0] !== text[i]) bad();
      v = v.slice(1);
    }
  };
  const name = (list: string[], short: boolean): number => {
    const i = list.findIndex((n) => v.toLowerCase().startsWith(short ? n.slice(0, 3) : n));
    if (i === -1) bad();
    v = v.slice(short ? 3 : list[i]!.length);
    return i;
  };
  const fraction = (digits: number | undefined): void => {
    const m = /^[.,](\d+)/.exec(v);
    if (!m || (digits !== undefined && m[1]!.length !== digits)) bad();
    nanos = Number(m![1]!.slice(0, 9).padEnd(9, '0'));
    v = v.slice(m![0].length);
  };
  let last = 0;
  const tokens = [...layout.matchAll(TOKEN)];
  tokens.forEach((t, ti) => {
    literal(layout.slice(last, t.index));
    last = t.index + t[0].length;
    const tok = t[0];
    switch (tok) {
      case 'January': case 'Jan': month = name(MONTHS, tok === 'Jan') + 1; break;
      case 'Monday': case 'Mon': name(DAYS, tok === 'Mon'); break;
      case 'MST': {
        const m = /^(UTC|GMT|[A-Z]{3,5})/.exec(v);
        if (!m) bad();
        v = v.slice(m![0].length);
        break;
      }
      case '2006': year = num(4); break;
      case '_2006': literal('_'); year = num(4); break;
      case '06': { const y = num(2); year = y >= 69 ? 1900 + y : 2000 + y; break; }
      case '01': month = num(2); break;
      case '1': month = num(undefined); break;
      case '02': day = num(2); break;
      case '_2': v = v.replace(/^ /, ''); day = num(undefined); break;
      case '2': day = num(undefined); break;
      case '002': yday = num(3); break;
      case '__2': v = v.replace(/^ {1,2}/, ''); yday = num(undefined, 3); break;
      case '15': hour = num(undefined); break;
      case '03': hour = num(2); break;
      case '3': hour = num(undefined); break;
      case '04': min = num(2); break;
      case '4': min = num(undefined); break;
      case '05': case '5': {
        sec = tok === '05' ? num(2) : num(undefined);
        // Go reads a fraction after the seconds even when the layout has none.
        const next = tokens[ti + 1];
        if (/^[.,]\d/.test(v) && !(next && next.index === last && /^[.,]/.test(next[0]))) fraction(undefined);
        break;
      }
      case 'PM': case 'pm': {
        const m = /^(AM|PM|am|pm)/.exec(v);
        if (!m) bad();
        pm = m![0].toUpperCase() === 'PM';
        v = v.slice(2);
        break;
      }
      default: {
        if (tok[0] === '.' || tok[0] === ',') {
          fraction(tok[1] === '0' ? tok.length - 1 : undefined);
          break;
        }
        if (tok[0] === 'Z' && v[0] === 'Z') {
          v = v.slice(1);
          offset = 0;
          break;
        }
        const form = tok.slice(1);
        const re = { '070000': /^([+-])(\d\d)(\d\d)(\d\d)/, '07:00:00': /^([+-])(\d\d):(\d\d):(\d\d)/, '0700': /^([+-])(\d\d)(\d\d)/, '07:00': /^([+-])(\d\d):(\d\d)/, '07': /^([+-])(\d\d)/ }[form];
        const m = re?.exec(v);
        if (!m) bad();
        v = v.slice(m![0].length);
        offset = (m![1] === '-' ? -1 : 1) * (Number(m![2]) * 3600 + Number(m![3] ?? 0) * 60 + Number(m![4] ?? 0));
      }
    }
  });
  literal(layout.slice(last));
  if (v !== '') bad(`extra text: ${JSON.stringify(v)}`);
  if (pm !== undefined) {
    if (hour < 1 || hour > 12) bad('hour out of range');
    if (pm && hour < 12) hour += 12;
    else if (!pm && hour === 12) hour = 0;
  }
  if (yday >= 0) {
    let d = yday;
    month = 1;
    while (month <= 12 && d > daysIn(year, month)) d -= daysIn(year, month++);
    if (month > 12 || d < 1) bad('day-of-year out of range');
    day = d;
  }
  if (month < 1 || month > 12) bad('month out of range');
  if (day < 1 || day > daysIn(year, month)) bad('day out of range');
  if (hour > 23 || min > 59 || sec > 59) bad('time out of range');
  const days = daysFromCivil(BigInt(year), month, day);
  const ns = ((days * 86400n + BigInt(hour * 3600 + min * 60 + sec - offset)) * 1_000_000_000n) + BigInt(nanos);
  if (ns < INT64_MIN || ns > INT64_MAX) throw new BuiltinError(NAME, 'time outside of valid range');
  return ns;
}

export const timeParseBuiltins: Record<string, HostBuiltin> = {
  'time.parse_ns': (args) => parseTime(stringArg(NAME, args, 0), stringArg(NAME, args, 1)),
};
