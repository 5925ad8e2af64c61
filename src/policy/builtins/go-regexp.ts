import { RE2JS } from 're2js';

/**
 * Go's regexp package on re2js (a port of RE2, the engine Go's regexp implements), so patterns
 * mean in the host what they mean in OPA: `(?i)`, `\z`, `[[:alpha:]]`, no backreferences, linear
 * time. What re2js does the Java way (successive empty matches, `$` in replacements) is done here
 * the Go way.
 */
const cache = new Map<string, RE2JS>();
const MAX_CACHED = 1000;

/** Compiles a Go regexp (cached); throws SyntaxError for a pattern Go refuses. */
export function goRegexp(pattern: string): RE2JS {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = RE2JS.compile(pattern);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(pattern, re);
  }
  return re;
}

/** Go's FindAllStringSubmatchIndex: [start, end, g1start, g1end, ...] per match, -1 when unset. */
export function findAll(re: RE2JS, s: string, n: number): number[][] {
  const out: number[][] = [];
  const m = re.matcher(s);
  const groups = re.groupCount();
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    if (!m.find(pos)) break;
    const start = m.start();
    const end = m.end();
    let accept = true;
    if (end === start) {
      // An empty match right after the previous match is skipped, and the search moves one code point.
      if (start === prevEnd) accept = false;
      pos = end + (end < s.length && isHighSurrogate(s.charCodeAt(end)) && end + 1 < s.length ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) {
      const idx = [start, end];
      for (let g = 1; g <= groups; g++) {
        const gs = m.start(g);
        idx.push(gs, gs < 0 ? -1 : m.end(g));
      }
      out.push(idx);
    }
  }
  return out;
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** Go's Regexp.Split(s, n). */
export function split(re: RE2JS, s: string, n: number): string[] {
  if (n === 0) return [];
  if (re.pattern().length > 0 && s.length === 0) return [''];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [start, stop] of findAll(re, s, n)) {
    if (n > 0 && out.length === n - 1) break;
    end = start!;
    if (stop !== 0) out.push(s.slice(beg, end));
    beg = stop!;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.ReplaceAllString: `$1`, `${1}`, `$name`, `${name}`, `$$` in the template. */
export function replaceAll(re: RE2JS, s: string, template: string): string {
  const names = re.namedGroups() as Record<string, number>;
  let out = '';
  let last = 0;
  for (const idx of findAll(re, s, -1)) {
    out += s.slice(last, idx[0]) + expand(template, s, idx, names);
    last = idx[1]!;
  }
  return out + s.slice(last);
}

function expand(template: string, s: string, idx: number[], names: Record<string, number>): string {
  const group = (name: string): string => {
    const num = /^\d+$/.test(name) ? Number(name) : names[name];
    if (num === undefined || 2 * num + 1 >= idx.length || idx[2 * num]! < 0) return '';
    return s.slice(idx[2 * num], idx[2 * num + 1]);
  };
  return template.replace(/\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))?/g, (all, braced: string | undefined, bare: string | undefined) => {
    if (all === '$$') return '$';
    const name = braced ?? bare;
    // A `$` not followed by a valid reference is kept as it is, as Go's Expand does.
    return name === undefined ? all : group(name);
  });
}

/** Go's regexp.QuoteMeta. */
export const quoteMeta = (s: string): string => s.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
