/**
 * Rego values in JS and as text. OPA's Wasm exports `opa_value_dump` / `opa_value_parse`, whose
 * text is JSON plus sets (`{"a", "b"}`, `set()`) and non-string object keys (read by
 * parse-rego-value.ts, written by encodeRegoValue). Going through this text instead of
 * `opa_json_dump` keeps what JSON loses:
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

export function rawJson(source: string): unknown {
  return (JSON as unknown as { rawJSON(s: string): unknown }).rawJSON(source);
}

export function isRawJson(v: unknown): boolean {
  return (JSON as unknown as { isRawJSON(v: unknown): boolean }).isRawJSON(v);
}
