import { compareValues, RegoSet } from '../wasm/rego-value.ts';
import { BuiltinError, typeName, type HostBuiltin } from './builtin-types.ts';

/**
 * OPA's json.patch (topdown/json.go over internal/edittree): RFC 6902 operations on any Rego value,
 * sets included (a set's path segment is the element itself). Paths are JSON pointers or arrays of
 * segments. Any failing operation makes the call an error (undefined), as in OPA.
 */
const NAME = 'json.patch';
type Path = unknown[];
const fail = (msg: string): never => {
  throw new BuiltinError(NAME, msg);
};
const equal = (a: unknown, b: unknown): boolean => compareValues(a, b) === 0;

function clone(v: unknown): unknown {
  if (v instanceof RegoSet) return new RegoSet(v.items.map(clone));
  if (Array.isArray(v)) return v.map(clone);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  }
  return v;
}

function parsePath(p: unknown): Path {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p.replace(/^\/+/, '').split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  if (Array.isArray(p)) return p;
  return fail(`operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
}

function index(len: number, key: unknown): number {
  if (typeof key === 'number' || typeof key === 'bigint') {
    if (typeof key === 'number' && !Number.isInteger(key)) fail('invalid number type for indexing');
    return Number(key);
  }
  if (typeof key !== 'string') return fail('invalid type for indexing');
  if (key === '-') return len;
  if (!/^-?\d+$/.test(key)) fail('invalid string for indexing');
  if (key !== '0' && key.startsWith('0')) fail('leading zeros are not allowed in JSON paths');
  return Number(key);
}

const objectKey = (k: unknown): string => (typeof k === 'string' ? k : fail(`object key ${JSON.stringify(k)} is not a string`));

function child(node: unknown, key: unknown): unknown {
  if (node instanceof RegoSet) {
    const found = node.items.find((x) => equal(x, key));
    return found === undefined && !node.items.some((x) => equal(x, key)) ? fail(`cannot find ${String(key)} in set`) : found;
  }
  if (Array.isArray(node)) {
    const i = index(node.length, key);
    return i >= 0 && i < node.length ? node[i] : fail('index out of bounds');
  }
  if (node !== null && typeof node === 'object') {
    const k = objectKey(key);
    return Object.hasOwn(node, k) ? (node as Record<string, unknown>)[k] : fail(`cannot find key ${k}`);
  }
  return fail(`expected composite type, found ${typeName(node)}`);
}

function render(root: unknown, path: Path): unknown {
  return path.reduce((node, key) => child(node, key), root);
}

/** Returns the new root. */
function insert(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = render(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (parent instanceof RegoSet) {
    if (!equal(key, value)) fail('set key does not equal value to be inserted');
    (parent as { items: readonly unknown[] }).items = new RegoSet([...parent.items.filter((x) => !equal(x, value)), value]).items;
  } else if (Array.isArray(parent)) {
    const i = index(parent.length, key);
    if (i < 0 || i > parent.length) fail('index for array insertion out of bounds');
    parent.splice(i, 0, value);
  } else if (parent !== null && typeof parent === 'object') {
    (parent as Record<string, unknown>)[objectKey(key)] = value;
  } else {
    fail(`expected composite type, found ${typeName(parent)}`);
  }
  return root;
}

function remove(root: unknown, path: Path): unknown {
  if (path.length === 0) return null; // the root deleted: replaced by the next insert, else null
  const parent = render(root, path.slice(0, -1));
  const key = path[path.length - 1];
  child(parent, key);
  if (parent instanceof RegoSet) (parent as { items: readonly unknown[] }).items = parent.items.filter((x) => !equal(x, key));
  else if (Array.isArray(parent)) parent.splice(index(parent.length, key), 1);
  else delete (parent as Record<string, unknown>)[objectKey(key)];
  return root;
}

export const jsonPatchBuiltins: Record<string, HostBuiltin> = {
  'json.patch': (args) => {
    if (!Array.isArray(args[1])) return fail(`operand 2 must be array but got ${typeName(args[1])}`);
    let root = clone(args[0]);
    for (const op of args[1]) {
      if (typeName(op) !== 'object') fail('must be an array of JSON-Patch objects, but at least one element is not an object');
      const o = op as Record<string, unknown>;
      if (!Object.hasOwn(o, 'path')) fail("missing required attribute 'path'");
      if (!Object.hasOwn(o, 'op')) fail("missing required attribute 'op'");
      if (typeof o['op'] !== 'string') fail(`attribute 'op' must be a string but found: ${typeName(o['op'])}`);
      const path = parsePath(o['path']);
      const value = (): unknown => (Object.hasOwn(o, 'value') ? o['value'] : fail("missing required attribute 'value'"));
      const from = (): Path => (Object.hasOwn(o, 'from') ? parsePath(o['from']) : fail("missing required attribute 'from'"));
      switch (o['op']) {
        case 'add': root = insert(root, path, clone(value())); break;
        case 'remove': root = remove(root, path); break;
        case 'replace': root = insert(remove(root, path), path, clone(value())); break;
        case 'move': {
          const f = from();
          const chunk = render(root, f);
          root = insert(remove(root, f), path, chunk);
          break;
        }
        case 'copy': root = insert(root, path, clone(render(root, from()))); break;
        case 'test': if (!equal(render(root, path), value())) fail('value from EditTree != patch value'); break;
        default: fail(`unrecognized op: '${String(o['op'])}'`);
      }
    }
    return root;
  },
};
