import { compareStrings, isRawJson, RegoNumber, RegoSet } from '../wasm/rego-value.ts';

/**
 * A Rego value as Go's encoding/json marshals OPA's JSON form of it (ast.JSON, then json.Marshal):
 * object keys sorted by bytes, sets as arrays in OPA's order, `<`, `>`, `&`, U+2028 and U+2029
 * escaped as \uXXXX, `\b` and `\f` short (Go 1.22+). With `indent`, json.MarshalIndent's layout.
 */
export function goJsonMarshal(v: unknown, indent?: { prefix: string; indent: string }): string {
  return write(v, indent, indent?.prefix ?? '');
}

function write(v: unknown, ind: { prefix: string; indent: string } | undefined, cur: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'string') return goString(v);
  if (isRawJson(v)) return (v as { rawJSON: string }).rawJSON;
  if (v instanceof RegoNumber) return v.text;
  const items: string[] = [];
  const inner = ind ? cur + ind.indent : cur;
  let open: string;
  let close: string;
  if (Array.isArray(v) || v instanceof RegoSet) {
    const list = v instanceof RegoSet ? v.items : v;
    for (const x of list) items.push(write(x, ind, inner));
    [open, close] = ['[', ']'];
  } else {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o).sort(compareStrings)) items.push(`${goString(k)}:${ind ? ' ' : ''}${write(o[k], ind, inner)}`);
    [open, close] = ['{', '}'];
  }
  if (items.length === 0) return open + close;
  if (!ind) return `${open}${items.join(',')}${close}`;
  return `${open}\n${items.map((x) => inner + x).join(',\n')}\n${cur}${close}`;
}

/** Go's json string escaping with HTML-safe characters. */
export function goString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'; // a lone surrogate is invalid UTF-8
    else out += ch;
  }
  return `${out}"`;
}

/** A float as Go's encoding/json writes float64 ('f' format, 'e' beyond 1e21 or below 1e-6). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // Go: strconv 'e' format with the exponent's sign and at least two digits: 1e-07.
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}
