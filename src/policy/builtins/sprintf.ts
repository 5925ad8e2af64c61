import { compareStrings, isRawJson, RegoNumber, RegoSet } from '../wasm/rego-value.ts';
import { BuiltinError, stringArg, typeName, type HostBuiltin } from './builtin-types.ts';
import { formatFloat, formatInteger, quoteGo, type Spec } from './go-fmt.ts';

/**
 * OPA's sprintf (topdown/strings.go): Go's fmt.Sprintf over the array's items, each passed as OPA
 * passes it: a number written with `.`, `e` or `E` as float64 (its text when it does not fit),
 * other numbers as int64 or, beyond, *big.Int (every digit kept), strings as strings, and any
 * other value as its Rego text (`["there", 5, 3.14]`, `{"a": 1}`, `set()`, `true`).
 */
type Arg = { kind: 'int'; v: bigint; big: boolean } | { kind: 'float'; v: number } | { kind: 'string'; v: string };

const sprintf: HostBuiltin = (args) => {
  const format = stringArg('sprintf', args, 0);
  if (!Array.isArray(args[1])) throw new BuiltinError('sprintf', `operand 2 must be array but got ${typeName(args[1])}`);
  return goSprintf(format, args[1].map(toArg));
};
export const sprintfBuiltins: Record<string, HostBuiltin> = { sprintf: Object.assign(sprintf, { numberText: true }) };

function toArg(v: unknown): Arg {
  if (v instanceof RegoNumber) {
    const text = v.text;
    if (/[.eE]/.test(text)) {
      const f = Number(text);
      return Number.isFinite(f) ? { kind: 'float', v: f } : { kind: 'string', v: text };
    }
    const n = BigInt(text);
    return { kind: 'int', v: n, big: n < -(2n ** 63n) || n >= 2n ** 63n };
  }
  if (typeof v === 'string') return { kind: 'string', v };
  return { kind: 'string', v: regoString(v) };
}

/** ast.Value's String(): Rego's own text of a value (object keys and set items in OPA's order). */
function regoString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return quoteGo(v);
  if (v instanceof RegoNumber) return v.text;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (isRawJson(v)) return (v as { rawJSON: string }).rawJSON;
  if (Array.isArray(v)) return `[${v.map(regoString).join(', ')}]`;
  if (v instanceof RegoSet) return v.items.length === 0 ? 'set()' : `{${v.items.map(regoString).join(', ')}}`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort(compareStrings).map((k) => `${quoteGo(k)}: ${regoString(o[k])}`).join(', ')}}`;
}

const goType = (a: Arg): string => (a.kind === 'int' ? (a.big ? '*big.Int' : 'int64') : a.kind === 'float' ? 'float64' : 'string');
const argText = (a: Arg): string => (a.kind === 'float' ? formatFloat(a.v, 'g', -1) : String(a.v));
/** Go's badVerb: the verb, the type and the value as %v with the same flags and width. */
const badVerb = (verb: string, a: Arg, spec: Spec): string => {
  // big.Int formats its own bad verbs, without flags.
  const v = a.kind === 'float' ? formatFloat(a.v, 'v', spec) : a.kind === 'int' ? (a.big ? String(a.v) : formatInteger(a.v, 'v', spec)) : pad(a.v, spec, false);
  return `%!${verb}(${a.kind === 'int' && a.big ? 'big.Int' : goType(a)}=${v})`;
};

/** Go's fmt.Sprintf for the argument types OPA passes. */
function goSprintf(format: string, args: readonly Arg[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = true;
      else break;
    }
    // Go's parsenum and intFromArg: numbers beyond 1e6 are refused, which also bounds the output.
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return a?.kind === 'int' && !a.big && a.v <= 1_000_000n && a.v >= -1_000_000n ? Number(a.v) : NaN;
      }
      let n: number | undefined;
      for (; i < format.length && format[i]! >= '0' && format[i]! <= '9'; i++) {
        if ((n ?? 0) > 1_000_000) {
          i = format.length; // Go gives up on the rest of the format: %!(NOVERB)
          return undefined;
        }
        n = (n ?? 0) * 10 + Number(format[i]);
      }
      return n;
    };
    spec.width = num();
    if (format[i] === '.') {
      i++;
      spec.prec = num() ?? 0;
    }
    let badWidth = false;
    if (spec.width !== undefined && Number.isNaN(spec.width)) {
      badWidth = true;
      spec.width = undefined;
    } else if (spec.width !== undefined && spec.width < 0) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (badWidth) out += '%!(BADWIDTH)';
    if (spec.prec !== undefined && Number.isNaN(spec.prec)) {
      out += '%!(BADPREC)';
      spec.prec = undefined;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const a = args[argi++];
    if (a === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, a, spec);
  }
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${goType(a)}=${argText(a)}`).join(', ')})`;
  return out;
}

function formatOne(verb: string, a: Arg, spec: Spec): string {
  if (a.kind === 'string') {
    if (verb === 'v' || verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') return formatString(verb, a.v, spec);
    return badVerb(verb, a, spec);
  }
  if (a.kind === 'int') {
    const ok = a.big ? 'bodOxXsv' : 'bcdoOqxXUv';
    if (!ok.includes(verb)) return badVerb(verb, a, spec);
    return formatInteger(a.v, verb === 's' ? 'd' : verb, spec);
  }
  if (!'beEfFgGxXv'.includes(verb)) return badVerb(verb, a, spec);
  return formatFloat(a.v, verb, spec);
}

function formatString(verb: string, s: string, spec: Spec): string {
  let body = s;
  if (spec.prec !== undefined) body = Array.from(body).slice(0, spec.prec).join('');
  if (verb === 'q') body = quoteGo(body);
  else if (verb === 'x' || verb === 'X') {
    const hex = [...Buffer.from(body)].map((b) => b.toString(16).padStart(2, '0'));
    body = (spec.sharp ? hex.map((h) => `0x${h}`) : hex).join(spec.space ? ' ' : '');
    if (verb === 'X') body = body.toUpperCase();
  }
  return pad(body, spec, false);
}

export function pad(body: string, spec: Spec, zeroOk: boolean): string {
  const width = spec.width ?? 0;
  const len = Array.from(body).length;
  if (len >= width) return body;
  if (spec.minus) return body + ' '.repeat(width - len);
  if (spec.zero && zeroOk) {
    const sign = /^[+\- ]/.test(body) ? body[0]! : '';
    return sign + '0'.repeat(width - len) + body.slice(sign.length);
  }
  return ' '.repeat(width - len) + body;
}
