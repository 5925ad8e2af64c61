import { BuiltinError, intArg, stringArg, type HostBuiltin } from './builtin-types.ts';
import { findAll, goRegexp, quoteMeta, replaceAll, split } from './go-regexp.ts';
import { globsIntersect } from './glob-intersection.ts';

/** OPA's host-side regex builtins (topdown/regex.go, regex_template.go) with Go's regexp semantics. */
export const regexBuiltins: Record<string, HostBuiltin> = {
  'regex.split': (args) => split(compile('regex.split', stringArg('regex.split', args, 0)), stringArg('regex.split', args, 1), -1),
  'regex.find_n': (args) => {
    const re = compile('regex.find_n', stringArg('regex.find_n', args, 0));
    const s = stringArg('regex.find_n', args, 1);
    return findAll(re, s, intArg('regex.find_n', args, 2)).map(([a, b]) => s.slice(a, b));
  },
  'regex.replace': (args) => {
    const s = stringArg('regex.replace', args, 0);
    const re = compile('regex.replace', stringArg('regex.replace', args, 1));
    return replaceAll(re, s, stringArg('regex.replace', args, 2));
  },
  'regex.template_match': (args) => {
    const name = 'regex.template_match';
    const [tpl, s, start, end] = [0, 1, 2, 3].map((i) => stringArg(name, args, i)) as [string, string, string, string];
    // Go checks the byte length: one ASCII character.
    if (Buffer.byteLength(start) !== 1) throw new BuiltinError(name, `start delimiter has to be exactly one character long but is ${Buffer.byteLength(start)} long`);
    if (Buffer.byteLength(end) !== 1) throw new BuiltinError(name, `end delimiter has to be exactly one character long but is ${Buffer.byteLength(start)} long`);
    return compile(name, templateRegex(tpl, start, end)).matches(s);
  },
  'regex.globs_match': (args) => {
    try {
      return globsIntersect(stringArg('regex.globs_match', args, 0), stringArg('regex.globs_match', args, 1));
    } catch (err) {
      throw new BuiltinError('regex.globs_match', (err as Error).message);
    }
  },
};

function compile(name: string, pattern: string): ReturnType<typeof goRegexp> {
  try {
    return goRegexp(pattern);
  } catch (err) {
    throw new BuiltinError(name, `error parsing regexp: ${(err as Error).message}`);
  }
}

/** OPA's generateRegexTemplate: literal text quoted, `{pattern}` parts become groups, anchored. */
function templateRegex(tpl: string, open: string, close: string): string {
  const idxs: number[] = [];
  let level = 0;
  let at = 0;
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === open) {
      if (++level === 1) at = i;
    } else if (tpl[i] === close) {
      if (--level === 0) idxs.push(at, i + 1);
      else if (level < 0) throw new BuiltinError('regex.template_match', `unbalanced braces in ${JSON.stringify(tpl)}`);
    }
  }
  if (level !== 0) throw new BuiltinError('regex.template_match', `unbalanced braces in ${JSON.stringify(tpl)}`);
  let pattern = '^';
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(end, idxs[i]);
    end = idxs[i + 1]!;
    const part = tpl.slice(idxs[i]! + 1, end - 1);
    compile('regex.template_match', `^${part}$`);
    pattern += `${quoteMeta(raw)}(${part})`;
  }
  return `${pattern}${quoteMeta(tpl.slice(end))}$`;
}
