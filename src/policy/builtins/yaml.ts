import { parseAllDocuments, visit, type Document } from 'yaml';
import { goYamlMarshal } from './yaml-style.ts';
import { BuiltinError, stringArg, type HostBuiltin } from './builtin-types.ts';
import { RegoNumber, RegoSet } from '../wasm/rego-value.ts';

/**
 * OPA's yaml.* builtins (topdown/encoding.go over OPA's internal/yaml on go-yaml v3): every
 * document of the stream must parse, the first one is the value (an empty stream is null), later
 * duplicate keys win, `<<` merge keys apply, plain timestamps stay strings, and keys become
 * strings. Replaces the npm SDK's versions, which answered `yaml.is_valid` wrongly for
 * non-strings and for streams with a broken later document.
 */
export const yamlBuiltins: Record<string, HostBuiltin> = {
  'yaml.is_valid': (args) => {
    if (typeof args[0] !== 'string') return false;
    try {
      firstDocument(args[0]);
      return true;
    } catch {
      return false;
    }
  },
  'yaml.unmarshal': (args) => {
    const text = stringArg('yaml.unmarshal', args, 0);
    try {
      const doc = firstDocument(text);
      return doc === undefined ? null : jsonable(doc.toJS({ maxAliasCount: 1000 }));
    } catch (err) {
      throw new BuiltinError('yaml.unmarshal', (err as Error).message);
    }
  },
  'yaml.marshal': Object.assign((args: readonly unknown[]) => goYamlMarshal(plain(args[0])), { numberText: true }),
};

function firstDocument(text: string): Document | undefined {
  const docs = parseAllDocuments(text, { version: '1.2', merge: true, uniqueKeys: false, intAsBigInt: true });
  if (!Array.isArray(docs)) return undefined; // an empty stream
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(d.errors[0]!.message);
    // go-yaml refuses a mapping entry with an empty key (`: a`, `{:}`); the yaml package reads it as null.
    visit(d, {
      Pair(_key, pair) {
        const k = pair.key as { source?: unknown } | null;
        if (k === null || k.source === '') throw new Error('did not find expected key');
      },
    });
  }
  const first = docs[0];
  if (first === undefined) return undefined;
  // go-yaml decodes an unquoted timestamp as time.Time; OPA keeps it as the string it was.
  visit(first, {
    Scalar(_key, node) {
      if (node.type === 'PLAIN' && node.source !== undefined && /^\d{4}-\d\d?-\d\d?([Tt ].*)?$/.test(String(node.source))) node.value = String(node.source);
    },
  });
  return first;
}

/** A YAML value as JSON: string keys, finite numbers, no other types. */
function jsonable(v: unknown): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${v}`);
    return v;
  }
  if (Array.isArray(v)) return v.map(jsonable);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonable(x)]));
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonable(x)]));
  throw new Error(`unsupported YAML value ${String(v)}`);
}

/** OPA's JSON form of a Rego value for the YAML encoder: sets as arrays, numbers by their text's value. */
function plain(v: unknown): unknown {
  if (v instanceof RegoNumber) return /^-?\d+$/.test(v.text) ? BigInt(v.text) : Number(v.text);
  if (v instanceof RegoSet) return v.items.map(plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
