import { encodeRegoValue, rawJson, RegoNumber, RegoSet, type BigIntMode } from './rego-value.ts';

export interface ParseOptions {
  readonly bigints: BigIntMode;
  /** `text`: every number as a RegoNumber (overrides `bigints`). */
  readonly numbers?: 'text';
  /** `json`: sets become sorted arrays and keys strings (OPA's JSON form); `rego`: RegoSet kept. */
  readonly sets: 'json' | 'rego';
}

/**
 * Parses Rego value text (what `opa_value_dump` writes: JSON plus sets and non-string keys, or
 * plain JSON) into the JS forms of rego-value.ts. Throws on malformed text.
 */
export function parseRegoValue(text: string, options: ParseOptions): unknown {
  const p = new Parser(text, options);
  const v = p.value();
  p.ws();
  if (p.i !== text.length) throw new SyntaxError(`unexpected text at ${p.i} in Rego value`);
  return v;
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
