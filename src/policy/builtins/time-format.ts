import type { Wall } from './time.ts';
import { tzAbbreviation } from './tz-abbreviation.ts';

/**
 * Go's time.Format with its reference-time layouts (time/format.go: the same tokens, tried in the
 * same order), and OPA's named layouts. Zone abbreviations (`MST`) come from the system's tzdata,
 * as Go's do (tz-abbreviation.ts); without it, from ICU, which names fewer zones: where ICU has
 * none, the numeric form Go uses for such zones (`+03`) is written.
 */
export const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The layout tokens of Go's nextStdChunk, longest first where one is a prefix of another. */
const TOKEN = new RegExp([
  'January', 'Jan', 'Monday', 'Mon', 'MST', '0[1-6]', '002', '15', '1', '2006', '2', '_2006', '__2', '_2', '3', '4', '5', 'PM', 'pm',
  '-070000', '-07:00:00', '-0700', '-07:00', '-07', 'Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07', '[.,](?:0+|9+)(?![0-9])',
].join('|'), 'g');

const pad = (n: number, w: number, c = '0'): string => (n < 0 ? `-${String(-n).padStart(w, c)}` : String(n).padStart(w, c));

function zoneName(tz: string | undefined, ns: bigint, offset: number): string {
  if (tz === undefined) return 'UTC';
  const fromTzdata = tzAbbreviation(tz, offset, Number(ns / 1_000_000_000n));
  if (fromTzdata !== undefined) return fromTzdata;
  try {
    const f = new Intl.DateTimeFormat('en-US', { ...(tz === 'Local' ? {} : { timeZone: tz }), timeZoneName: 'short' });
    const name = f.formatToParts(new Date(Number(ns / 1_000_000n))).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Z]{3,5}$/.test(name)) return name;
  } catch {
    // fall through to the numeric form
  }
  const a = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${pad(Math.floor(a / 3600), 2)}${a % 3600 ? pad(Math.floor(a / 60) % 60, 2) : ''}`;
}

function zone(token: string, offset: number): string {
  if (token[0] === 'Z' && offset === 0) return 'Z';
  const a = Math.abs(offset);
  const [h, m, s] = [pad(Math.floor(a / 3600), 2), pad(Math.floor(a / 60) % 60, 2), pad(a % 60, 2)];
  const sign = offset < 0 ? '-' : '+';
  const body = token.slice(1);
  if (body === '070000') return sign + h + m + s;
  if (body === '07:00:00') return `${sign}${h}:${m}:${s}`;
  if (body === '0700') return sign + h + m;
  if (body === '07:00') return `${sign}${h}:${m}`;
  return sign + h;
}

/** Go's Time.Format of `ns` in zone `tz` (offset seconds east, wall clock `w`). */
export function formatTime(ns: bigint, tz: string | undefined, offset: number, w: Wall, layout: string): string {
  const lay = NAMED_LAYOUTS[layout] ?? layout;
  const nanos = Number(((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
  const hour = Math.floor(w.sod / 3600);
  const yday = Math.round((Date.UTC(w.year, w.month - 1, w.day) - Date.UTC(w.year, 0, 1)) / 86_400_000) + 1;
  const weekday = (((w.days + 4) % 7) + 7) % 7;
  return lay.replace(TOKEN, (t) => {
    switch (t) {
      case 'January': return MONTHS[w.month - 1]!;
      case 'Jan': return MONTHS[w.month - 1]!.slice(0, 3);
      case 'Monday': return DAYS[weekday]!;
      case 'Mon': return DAYS[weekday]!.slice(0, 3);
      case 'MST': return zoneName(tz, ns, offset);
      case '01': return pad(w.month, 2);
      case '02': return pad(w.day, 2);
      case '03': return pad(hour % 12 === 0 ? 12 : hour % 12, 2);
      case '04': return pad(Math.floor(w.sod / 60) % 60, 2);
      case '05': return pad(w.sod % 60, 2);
      case '06': return pad(((w.year % 100) + 100) % 100, 2);
      case '002': return pad(yday, 3);
      case '__2': return pad(yday, 3, ' ');
      case '15': return pad(hour, 2);
      case '1': return String(w.month);
      case '2006': return pad(w.year, 4);
      case '_2006': return `_${pad(w.year, 4)}`;
      case '2': return String(w.day);
      case '_2': return pad(w.day, 2, ' ');
      case '3': return String(hour % 12 === 0 ? 12 : hour % 12);
      case '4': return String(Math.floor(w.sod / 60) % 60);
      case '5': return String(w.sod % 60);
      case 'PM': return hour >= 12 ? 'PM' : 'AM';
      case 'pm': return hour >= 12 ? 'pm' : 'am';
      default: {
        if (t[0] === '-' || t[0] === 'Z') return zone(t, offset);
        const digits = String(nanos).padStart(9, '0').slice(0, t.length - 1);
        if (t[1] === '0') return t[0] + digits;
        const trimmed = digits.replace(/0+$/, '');
        return trimmed === '' ? '' : t[0] + trimmed;
      }
    }
  });
}
