/**
 * Rego values as text, both ways. OPA's Wasm exports `opa_value_dump` / `opa_value_parse`, whose
 * text is JSON plus sets (`{"a", "b"}`, `set()`) and non-string object keys. Going through this
 * text instead of `opa_json_dump` keeps what JSON loses:
 *
 * - sets stay sets, so a set result becomes an array sorted in OPA's order, as `opa eval` and
 *   OPA's REST API print it (the Wasm heap iterates sets in hash order);
 * - integers beyond 2^53 (nanosecond timestamps) keep every digit.
 */

/** A Rego set; `items` are kept sorted in OPA's order. */
export class RegoSet {
  readonly items: readonly unknown[];
  constructor(items: readonly unknown[]) {
    this.items = [...items].sort(compareValues);
  }
}

/**
 * How integers outside the safe range are returned: `bigint` for host builtins that compute with
 * them, `raw` (JSON.rawJSON) for results that are only serialised again, digit for digit.
 */
export type BigIntMode = 'bigint' | 'raw';

/**
 * A number kept as the text OPA holds it in (`100.0`, `.5`, `1e3`), for the builtins whose answer
 * depends on the text and not only the value (sprintf formats `1.0` as a float, `1` as an integer).
 */
export class RegoNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export interface ParseOptions {
  readonly bigints: BigIntMode;
  /** `text`: every number as a RegoNumber (overrides `bigints`). */
  readonly numbers?: 'text';
  /** `json`: sets become sorted arrays and keys strings (OPA's JSON form); `rego`: RegoSet kept. */
  readonly sets: 'json' | 'rego';
}

/** Parses the text of `opa_value_dump` (or plain JSON). Throws on malformed text. */
export function parseRegoValue(text: string, options: ParseOptions): unknown {
  const p = new Parser(text, options);
  const v = p.value();
  p.ws();
  if (p.i !== text.length) throw new SyntaxError(`unexpected text at ${p.i} in Rego value`);
  return v;
}

/**
 * JSON.parse that keeps big integers: `bigint` mode gives BigInt, `raw` mode gives JSON.rawJSON
 * so JSON.stringify writes the original digits.
 */
export function parseJsonExact(text: string, bigints: BigIntMode): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
      return bigints === 'bigint' ? BigInt(context.source) : rawJson(context.source);
    }
    return value;
  });
}

/** Writes a JS value as Rego value text for `opa_value_parse`. */
export function encodeRegoValue(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new RangeError('a Rego number must be finite');
      return JSON.stringify(v);
    case 'string':
      return JSON.stringify(v);
    case 'object': {
      if (isRawJson(v)) return (v as { rawJSON: string }).rawJSON;
      if (v instanceof RegoNumber) return v.text;
      if (v instanceof RegoSet) return v.items.length === 0 ? 'set()' : `{${v.items.map(encodeRegoValue).join(',')}}`;
      if (Array.isArray(v)) return `[${v.map(encodeRegoValue).join(',')}]`;
      return `{${Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${JSON.stringify(k)}:${encodeRegoValue(x)}`)
        .join(',')}}`;
    }
    default:
      throw new TypeError(`cannot encode a ${typeof v} as a Rego value`);
  }
}

/** OPA's total order of values (ast.Compare): null < boolean < number < string < array < object < set. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return Number(a) - Number(b);
    case 2:
      return compareNumbers(a, b);
    case 3:
      return compareStrings(a as string, b as string);
    case 6:
      return compareLists(a as unknown[], b as unknown[]);
    case 7: {
      const ka = Object.keys(a as object).sort(compareStrings);
      const kb = Object.keys(b as object).sort(compareStrings);
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const c = compareStrings(ka[i]!, kb[i]!) || compareValues((a as Record<string, unknown>)[ka[i]!], (b as Record<string, unknown>)[kb[i]!]);
        if (c !== 0) return c;
      }
      return ka.length - kb.length;
    }
    default:
      return compareLists((a as RegoSet).items, (b as RegoSet).items);
  }
}

function rank(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number' || typeof v === 'bigint' || isRawJson(v) || v instanceof RegoNumber) return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 6;
  if (v instanceof RegoSet) return 8;
  return 7;
}

function compareLists(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareNumbers(a: unknown, b: unknown): number {
  const x = numeric(a);
  const y = numeric(b);
  if (typeof x === 'bigint' || typeof y === 'bigint') {
    // Exact when both are integers (a BigInt and an integral double compare as integers).
    const bx = typeof x === 'bigint' ? x : Number.isInteger(x) ? BigInt(x) : undefined;
    const by = typeof y === 'bigint' ? y : Number.isInteger(y) ? BigInt(y) : undefined;
    if (bx !== undefined && by !== undefined) return bx < by ? -1 : bx > by ? 1 : 0;
    return Number(x) - Number(y);
  }
  return x - y;
}

const rawNumber = (text: string): number | bigint => (/^-?\d+$/.test(text) ? BigInt(text) : Number(text));
const numeric = (v: unknown): number | bigint =>
  isRawJson(v) ? rawNumber((v as { rawJSON: string }).rawJSON) : v instanceof RegoNumber ? rawNumber(v.text) : (v as number | bigint);

/** Go compares strings by bytes (UTF-8), which is code-point order, not UTF-16 unit order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const surA = ca >= 0xd800 && ca <= 0xdfff;
    const surB = cb >= 0xd800 && cb <= 0xdfff;
    if (surA !== surB) return surA ? 1 : -1;
    return ca - cb;
  }
  return a.length - b.length;
}

function rawJson(source: string): unknown {
  return (JSON as unknown as { rawJSON(s: string): unknown }).rawJSON(source);
}

export function isRawJson(v: unknown): boolean {
  return (JSON as unknown as { isRawJSON(v: unknown): boolean }).isRawJSON(v);
}

class Parser {
  i = 0;
  readonly s: string;
  readonly options: ParseOptions;
  constructor(s: string, options: ParseOptions) {
    this.s = s;
    this.options = options;
  }

  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '"') return this.string();
    if (c === '[') return this.array();
    if (c === '{') return this.objectOrSet();
    if (c === '-' || c === '.' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['null', null], ['true', true], ['false', false]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    if (this.s.startsWith('set()', this.i)) {
      this.i += 5;
      return this.set([]);
    }
    throw new SyntaxError(`unexpected '${c ?? 'end'}' at ${this.i} in Rego value`);
  }

  string(): string {
    const start = this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\') this.i += 2;
      else if (c === '"') break;
      else this.i++;
    }
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }

  number(): unknown {
    // OPA keeps a number's text as written, so `.5` and `1.` reach the host too.
    const m = /^-?(?:\d+(\.\d*)?|(\.\d+))([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) throw new SyntaxError(`bad number at ${this.i} in Rego value`);
    this.i += m[0].length;
    if (this.options.numbers === 'text') return new RegoNumber(m[0]);
    const n = Number(m[0]);
    if (m[2] !== undefined) return n;
    if (m[1] === undefined && m[3] === undefined && !Number.isSafeInteger(n)) {
      return this.options.bigints === 'bigint' ? BigInt(m[0]) : rawJson(m[0]);
    }
    return n;
  }

  array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') throw new SyntaxError(`expected ',' or ']' at ${this.i - 1} in Rego value`);
    }
  }

  objectOrSet(): unknown {
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return {};
    }
    const first = this.value();
    this.ws();
    if (this.s[this.i] === ':') {
      const obj: Record<string, unknown> = {};
      let key = first;
      for (;;) {
        this.i++; // ':'
        obj[this.keyOf(key)] = this.value();
        this.ws();
        const c = this.s[this.i++];
        if (c === '}') return obj;
        if (c !== ',') throw new SyntaxError(`expected ',' or '}' at ${this.i - 1} in Rego value`);
        key = this.value();
        this.ws();
        if (this.s[this.i] !== ':') throw new SyntaxError(`expected ':' at ${this.i} in Rego value`);
      }
    }
    const items = [first];
    for (;;) {
      const c = this.s[this.i++];
      if (c === '}') return this.set(items);
      if (c !== ',') throw new SyntaxError(`expected ',' or '}' at ${this.i - 1} in Rego value`);
      items.push(this.value());
      this.ws();
    }
  }

  set(items: unknown[]): unknown {
    const set = new RegoSet(items);
    return this.options.sets === 'rego' ? set : [...set.items];
  }

  keyOf(k: unknown): string {
    return typeof k === 'string' ? k : encodeRegoValue(k);
  }
}

/** A value with RegoSets turned into sorted arrays (OPA's JSON form). */
export function toJson(v: unknown): unknown {
  if (v instanceof RegoSet) return v.items.map(toJson);
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === 'object' && !isRawJson(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  }
  return v;
}
