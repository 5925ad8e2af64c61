import { BuiltinError, intArg, stringArg, stringsArg, typeName, runes, type HostBuiltin } from './builtin-types.ts';

/**
 * OPA's string builtins that its Wasm target leaves to the host (topdown/strings.go). Go works on
 * UTF-8 bytes; for valid strings prefix, suffix and substring tests agree with UTF-16, and
 * positions are counted in code points as OPA's non-ASCII paths count runes.
 */
export const stringBuiltins: Record<string, HostBuiltin> = {
  'strings.any_prefix_match': (args) => anyAffix('strings.any_prefix_match', args, (s, a) => s.startsWith(a)),
  'strings.any_suffix_match': (args) => anyAffix('strings.any_suffix_match', args, (s, a) => s.endsWith(a)),
  'strings.count': (args) => {
    const s = stringArg('strings.count', args, 0);
    const sub = stringArg('strings.count', args, 1);
    // Go's strings.Count: an empty substring counts the gaps between code points.
    if (sub === '') return runes(s).length + 1;
    return s.split(sub).length - 1;
  },
  'strings.split_n': (args) => {
    const s = stringArg('strings.split_n', args, 0);
    const d = stringArg('strings.split_n', args, 1);
    const n = intArg('strings.split_n', args, 2);
    const parts = goSplit(s, d, n >= 0 ? n + 1 : -1);
    // At most n parts from the front, or the last -n parts (OPA v1.22's definition).
    return n >= 0 ? parts.slice(0, n) : parts.slice(Math.max(parts.length + n, 0));
  },
  indexof_n: (args) => {
    const base = runes(stringArg('indexof_n', args, 0));
    const search = runes(stringArg('indexof_n', args, 1));
    if (search.length === 0) throw new BuiltinError('indexof_n', 'empty search character');
    const out: number[] = [];
    for (let i = 0; i + search.length <= base.length; i++) {
      if (search.every((r, j) => base[i + j] === r)) out.push(i);
    }
    return out;
  },
  'glob.quote_meta': (args) => stringArg('glob.quote_meta', args, 0).replace(/[*?\\[\]{}]/g, (c) => `\\${c}`),
};

function anyAffix(name: string, args: readonly unknown[], match: (s: string, affix: string) => boolean): boolean {
  // The search strings are checked first, so that their type errors come first (as OPA does).
  const strs = typeof args[0] === 'string' ? [args[0]] : stringsArg(name, args, 0);
  if (typeof args[1] === 'string') return strs.some((s) => match(s, args[1] as string));
  if (typeName(args[1]) !== 'array' && typeName(args[1]) !== 'set') {
    throw new BuiltinError(name, `operand 2 must be one of {string, set, array} but got ${typeName(args[1])}`);
  }
  const affixes = stringsArg(name, args, 1);
  return strs.some((s) => affixes.some((a) => match(s, a)));
}

/** Go's strings.SplitN (limit < 0: no limit); an empty separator splits into code points. */
function goSplit(s: string, sep: string, limit: number): string[] {
  if (limit === 0) return [];
  if (sep === '') {
    const rs = runes(s);
    if (limit < 0 || limit > rs.length) return rs;
    return [...rs.slice(0, limit - 1), rs.slice(limit - 1).join('')];
  }
  const parts = s.split(sep);
  if (limit < 0 || parts.length <= limit) return parts;
  return [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(sep)];
}
