import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A zone's abbreviation (`CET`, `EDT`, `+04`) for an offset at an instant, read from the system's
 * tzdata (TZif files in /usr/share/zoneinfo), which is where Go's time package finds them too;
 * ICU knows far fewer (`GMT+1` for CET). Undefined when the file is not there.
 */
const ZONEINFO = process.env['ZONEINFO'] ?? '/usr/share/zoneinfo';
const cache = new Map<string, Zone | null>();

interface Zone {
  /** [utoff, abbreviation, last transition using it (seconds), or -Infinity] */
  readonly types: readonly [number, string, number][];
  readonly times: readonly number[];
  readonly indices: Uint8Array;
  /** Abbreviations of the POSIX rule that applies after the last transition, by offset. */
  readonly footer: ReadonlyMap<number, string>;
  readonly lastTransition: number;
}

export function tzAbbreviation(tz: string, offset: number, atSeconds: number): string | undefined {
  const zone = load(tz);
  if (!zone) return undefined;
  if (atSeconds > zone.lastTransition && zone.footer.has(offset)) return zone.footer.get(offset);
  // The type of the transition in force, as Go looks it up (before the first: the first type).
  let lo = 0;
  let hi = zone.times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (zone.times[mid]! <= atSeconds) lo = mid + 1;
    else hi = mid;
  }
  const active = lo === 0 ? zone.types[0] : zone.types[zone.indices[lo - 1]!];
  if (active && active[0] === offset) return active[1];
  // ICU's and the system's tzdata disagree: the latest name used with this offset.
  let best: [number, string, number] | undefined;
  for (const t of zone.types) if (t[0] === offset && (!best || t[2] > best[2])) best = t;
  return best?.[1];
}

function load(tz: string): Zone | null {
  let zone = cache.get(tz);
  if (zone !== undefined) return zone;
  zone = null;
  if (tz === 'Local' || /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/.test(tz)) {
    try {
      zone = parse(readFileSync(tz === 'Local' ? '/etc/localtime' : join(ZONEINFO, tz)));
    } catch {
      zone = null;
    }
  }
  if (cache.size < 1000) cache.set(tz, zone);
  return zone;
}

/** TZif v2+ (the 64-bit block and the footer), or v1. */
function parse(b: Buffer): Zone | null {
  if (b.toString('latin1', 0, 4) !== 'TZif') return null;
  const counts = (at: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => b.readUInt32BE(at + 20 + 4 * i));
  let at = 0;
  let size = 4;
  let [isut, isstd, leap, time, type, char] = counts(0) as [number, number, number, number, number, number];
  if (b[4]! >= 0x32) {
    at = 44 + time * 5 + type * 6 + char + leap * 8 + isstd + isut;
    size = 8;
    [isut, isstd, leap, time, type, char] = counts(at) as [number, number, number, number, number, number];
  }
  const data = at + 44;
  const times = Array.from({ length: time }, (_, i) => (size === 8 ? Number(b.readBigInt64BE(data + 8 * i)) : b.readInt32BE(data + 4 * i)));
  const indices = b.subarray(data + time * size, data + time * size + time);
  const tt = data + time * size + time;
  const chars = tt + type * 6;
  const types: [number, string, number][] = Array.from({ length: type }, (_, i) => {
    const idx = b[tt + 6 * i + 5]!;
    const end = b.indexOf(0, chars + idx);
    return [b.readInt32BE(tt + 6 * i), b.toString('latin1', chars + idx, end), -Infinity];
  });
  indices.forEach((t, i) => (types[t]![2] = times[i]!));
  const footerStart = chars + char + leap * (size + 4) + isstd + isut;
  const footer = size === 8 ? b.toString('latin1', footerStart).trim() : '';
  return { types, times, indices, footer: footerNames(footer), lastTransition: times.length ? times[times.length - 1]! : -Infinity };
}

/** Names and offsets of a POSIX TZ rule such as `CET-1CEST,M3.5.0,M10.5.0/3` or `<+04>-4`. */
function footerNames(rule: string): Map<number, string> {
  const out = new Map<number, string>();
  const m = /^(<[^>]+>|[A-Za-z]+)([-+]?\d+(?::\d+){0,2})(?:(<[^>]+>|[A-Za-z]+)([-+]?\d+(?::\d+){0,2})?)?/.exec(rule);
  if (!m) return out;
  const secs = (s: string): number => {
    const [h, mm = '0', ss = '0'] = s.replace(/^[-+]/, '').split(':');
    return (s.startsWith('-') ? 1 : -1) * (Number(h) * 3600 + Number(mm) * 60 + Number(ss)); // POSIX offsets are west-positive
  };
  const name = (s: string): string => s.replace(/^<|>$/g, '');
  const std = secs(m[2]!);
  out.set(std, name(m[1]!));
  if (m[3]) out.set(m[4] ? secs(m[4]) : std + 3600, name(m[3]));
  return out;
}
