/**
 * The parts of Go's fmt and strconv that OPA's sprintf reaches: integer verbs on exact BigInts,
 * float verbs from the exact decimal expansion of the double rounded half to even (as strconv
 * rounds; JavaScript's toFixed rounds ties up), and strconv.Quote.
 */
export interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

const NO_SPEC: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };

function padNumber(sign: string, prefix: string, digits: string, spec: Spec, zeroAllowed: boolean): string {
  const width = spec.width ?? 0;
  const len = sign.length + prefix.length + digits.length;
  if (len >= width) return sign + prefix + digits;
  if (spec.minus) return sign + prefix + digits + ' '.repeat(width - len);
  if (spec.zero && zeroAllowed) return sign + prefix + '0'.repeat(width - len) + digits;
  return ' '.repeat(width - len) + sign + prefix + digits;
}

const signOf = (neg: boolean, spec: Spec): string => (neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '');

/** %d %b %o %O %x %X %c %q %U %v of an integer. */
export function formatInteger(v: bigint, verb: string, spec: Spec = NO_SPEC): string {
  if (verb === 'c' || verb === 'q' || verb === 'U') {
    const cp = v >= 0n && v <= 0x10ffffn && !(v >= 0xd800n && v <= 0xdfffn) ? Number(v) : 0xfffd;
    if (verb === 'c') return padNumber('', '', String.fromCodePoint(cp), spec, false);
    if (verb === 'q') return padNumber('', '', quoteRune(cp), spec, false);
    const u = `U+${(v < 0n ? 0 : v).toString(16).toUpperCase().padStart(4, '0')}`;
    return padNumber('', '', spec.sharp ? `${u} '${String.fromCodePoint(cp)}'` : u, spec, false);
  }
  const base = verb === 'b' ? 2 : verb === 'o' || verb === 'O' ? 8 : verb === 'x' || verb === 'X' ? 16 : 10;
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  if (spec.prec !== undefined) digits = spec.prec === 0 && v === 0n ? '' : digits.padStart(spec.prec, '0');
  let prefix = '';
  if (verb === 'O') prefix = '0o';
  else if (spec.sharp) {
    if (verb === 'b') prefix = '0b';
    else if (verb === 'o' && !digits.startsWith('0')) prefix = '0';
    else if (verb === 'x') prefix = '0x';
    else if (verb === 'X') prefix = '0X';
  }
  return padNumber(signOf(neg, spec), prefix, digits, spec, spec.prec === undefined);
}

/** Exact decimal digits of a finite positive double: value = 0.d1d2d3… × 10^dp. */
function exactDigits(x: number): { d: string; dp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const rawExp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp = rawExp - 1075;
  if (rawExp === 0) exp = -1074;
  else mant |= 1n << 52n;
  let digits: string;
  let dp: number;
  if (exp >= 0) {
    digits = (mant << BigInt(exp)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-exp)).toString();
    dp = digits.length + exp;
  }
  const trimmed = digits.replace(/0+$/, '');
  return { d: trimmed, dp };
}

/** strconv's decimal.Round(nd): half to even on the exact digits. */
function round(d: string, dp: number, nd: number): { d: string; dp: number } {
  if (nd < 0) return { d: '', dp };
  if (nd >= d.length) return { d, dp };
  const next = d[nd]!;
  let up = next > '5';
  if (next === '5') up = nd + 1 < d.length ? true : nd > 0 && Number(d[nd - 1]) % 2 === 1;
  if (!up) return { d: d.slice(0, nd).replace(/0+$/, ''), dp };
  const kept = d.slice(0, nd).split('').map(Number);
  let i = kept.length - 1;
  while (i >= 0 && kept[i] === 9) kept.pop(), i--;
  if (i < 0) return { d: '1', dp: dp + 1 };
  kept[i]! += 1;
  return { d: kept.join(''), dp };
}

/** Shortest digits that read back as the same double (JavaScript's and Go's shortest agree). */
function shortestDigits(x: number): { d: string; dp: number } {
  const [m, e] = x.toExponential().split('e') as [string, string];
  return { d: m.replace('.', '').replace(/0+$/, ''), dp: Number(e) + 1 };
}

function fmtE(d: { d: string; dp: number }, prec: number, upper: boolean): string {
  const digits = d.d === '' ? '0' : d.d;
  const exp = d.d === '' ? 0 : d.dp - 1;
  const frac = digits.slice(1).padEnd(prec, '0').slice(0, prec);
  const es = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${digits[0]}${prec > 0 ? `.${frac}` : ''}${upper ? 'E' : 'e'}${es}`;
}

function fmtF(d: { d: string; dp: number }, prec: number): string {
  const int = d.dp > 0 ? d.d.slice(0, d.dp).padEnd(d.dp, '0') : '0';
  let frac = '';
  for (let i = 0; i < prec; i++) {
    const j = d.dp + i;
    frac += j >= 0 && j < d.d.length ? d.d[j] : '0';
  }
  return prec > 0 ? `${int}.${frac}` : int;
}

/** strconv.FormatFloat(x, fmt, prec, 64) without the sign; prec -1 is the shortest form. */
export function formatFloatBody(x: number, fmt: string, prec: number): string {
  const upper = fmt === 'E' || fmt === 'G';
  const f = fmt.toLowerCase();
  let d = x === 0 ? { d: '', dp: 1 } : prec < 0 ? shortestDigits(x) : exactDigits(x);
  const shortest = prec < 0;
  if (shortest) prec = f === 'e' ? Math.max(d.d.length - 1, 0) : f === 'f' ? Math.max(d.d.length - d.dp, 0) : d.d.length;
  else if (f === 'e') d = round(d.d, d.dp, prec + 1);
  else if (f === 'f') d = round(d.d, d.dp, d.dp + prec);
  else {
    if (prec === 0) prec = 1;
    d = round(d.d, d.dp, prec);
  }
  if (x !== 0 && d.d === '') d = { d: '', dp: d.dp };
  if (f === 'e') return fmtE(d, prec, upper);
  if (f === 'f') return fmtF(d, prec);
  const nd = d.d.length;
  let eprec = prec;
  if (eprec > nd && nd >= d.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = d.d === '' ? 0 : d.dp - 1;
  if (exp < -4 || exp >= eprec) return fmtE(d, Math.min(prec, Math.max(nd, 1)) - 1, upper);
  return fmtF(d, Math.max((prec > d.dp ? nd : prec) - d.dp, 0));
}

/** fmt's %e %E %f %F %g %G %v of a float64 (with width, precision and flags). */
export function formatFloat(x: number, verb: string, spec: Spec | number = NO_SPEC): string {
  const s: Spec = typeof spec === 'number' ? { ...NO_SPEC, prec: spec < 0 ? undefined : spec } : spec;
  const fmt = verb === 'v' ? 'g' : verb === 'F' ? 'f' : verb;
  if (!'eEfgG'.includes(fmt)) throw new Error(`%${verb} of a float is not supported`);
  const prec = s.prec ?? ('gG'.includes(fmt) ? -1 : 6);
  const neg = x < 0 || Object.is(x, -0);
  return padNumber(signOf(neg, s), '', formatFloatBody(Math.abs(x), fmt, prec), s, true);
}

/** strconv.Quote: printable runes as they are, the rest escaped. */
export function quoteGo(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch, '"');
  return `${out}"`;
}

function quoteRune(cp: number): string {
  return `'${escapeRune(String.fromCodePoint(cp), "'")}'`;
}

const SHORT: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\' };

function escapeRune(ch: string, quote: string): string {
  if (ch === quote) return `\\${ch}`;
  if (SHORT[ch]) return SHORT[ch]!;
  if (/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) return ch;
  const cp = ch.codePointAt(0)!;
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}
