import { Document, Scalar, visit } from 'yaml';

/**
 * yaml.marshal as go-yaml v3 writes strings (its encoder's stringv and the emitter's scalar
 * analysis): a string that go-yaml would read back as something else (null, a YAML 1.1 bool such
 * as `yes` or `n`, a number such as `1_000` or `0x1F`, a timestamp, a base-60 number) is
 * double-quoted; one that plain style cannot carry (`: `, ` #`, a leading indicator or space) is
 * single-quoted, or double-quoted when it holds a tab or other non-printable character; one with a
 * line break is a literal block.
 */
export function goYamlMarshal(value: unknown): string {
  const doc = new Document(value, { sortMapEntries: true });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string') node.type = styleOf(node.value);
    },
  });
  return doc.toString({ indent: 2, indentSeq: true, lineWidth: 0 });
}

function styleOf(s: string): Scalar.Type {
  if (s.includes('\n')) return 'BLOCK_LITERAL';
  if (!resolvesToString(s)) return 'QUOTE_DOUBLE';
  if (plainAllowed(s)) return 'PLAIN';
  return /[^\x20-\x7e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(s) ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
}

const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF']);
const WORDS = new Set(['~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '.nan', '.NaN', '.NAN']);

/** go-yaml's resolve(): whether the plain text reads back as a string. */
function resolvesToString(s: string): boolean {
  if (s === '' || WORDS.has(s) || OLD_BOOLS.has(s)) return false;
  if (!/^[-+.0-9]/.test(s)) return true;
  if (/^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/.test(s)) return false;
  const plain = s.replaceAll('_', '');
  // strconv.ParseInt/ParseUint with base 0, the float syntax, binary and 0o octal.
  if (/^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]*|0[bB][01]+|[1-9][0-9]*)$/.test(plain)) return false;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(plain)) return false;
  if (/^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s)) return false; // base 60
  return true;
}

/** libyaml's analysis of a block plain scalar. */
function plainAllowed(s: string): boolean {
  if (s.startsWith(' ') || s.endsWith(' ')) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(s) && !/^[-?:][^ ]/.test(s)) return false;
  if (s.includes(': ') || s.includes(' #') || s.endsWith(':')) return false;
  return !/[^\x20-\x7e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(s);
}
