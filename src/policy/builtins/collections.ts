import { randomInt } from 'node:crypto';
import { compareValues, RegoSet } from '../wasm/rego-value.ts';
import { BuiltinError, collectionArg, integerArg, intArg, objectArg, stringArg, typeName, type HostBuiltin } from './builtin-types.ts';

/** Most numbers numbers.range_step returns; OPA has no limit but a query deadline. */
const MAX_RANGE = 1_000_000;

const equal = (a: unknown, b: unknown): boolean => compareValues(a, b) === 0;
const contains = (items: readonly unknown[], x: unknown): boolean => items.some((y) => equal(x, y));

/**
 * OPA's object.subset, graph.reachable_paths, numbers.range_step, rand.intn and the deprecated
 * cast_* builtins (topdown/subset.go, reachable.go, numbers.go, casts.go), trace and opa.runtime.
 */
export const collectionBuiltins: Record<string, HostBuiltin> = {
  'object.subset': (args) => {
    const [sup, sub] = args;
    const ts = typeName(sup);
    const tb = typeName(sub);
    if (ts === 'object' && tb === 'object') return objectSubset(sup as Record<string, unknown>, sub as Record<string, unknown>);
    if (ts === 'set' && tb === 'set') return (sub as RegoSet).items.every((x) => contains((sup as RegoSet).items, x));
    if (ts === 'array' && tb === 'array') return arraySubset(sup as unknown[], sub as unknown[]);
    if (ts === 'array' && tb === 'set') return (sub as RegoSet).items.every((x) => contains(sup as unknown[], x));
    throw new BuiltinError('object.subset', 'both arguments object.subset must be of the same type or array and set');
  },
  'graph.reachable_paths': (args) => {
    const graph = objectArg('graph.reachable_paths', args, 0);
    const initial = args[1];
    if (!Array.isArray(initial) && !(initial instanceof RegoSet)) {
      throw new BuiltinError('graph.reachable_paths', `operand 2 must be {array, set} but got ${typeName(initial)}`);
    }
    const paths: unknown[][] = [];
    for (const node of collectionArg('graph.reachable_paths', args, 1)) {
      const edges = edgesOf(graph, node);
      if (edges === undefined) continue;
      if (edges.length === 0) paths.push([node]);
      for (const n of edges) buildPaths(graph, n, [node], paths, [node]);
    }
    return new RegoSet(dedupe(paths));
  },
  'numbers.range_step': (args) => {
    const a = integerArg('numbers.range_step', args, 0);
    const b = integerArg('numbers.range_step', args, 1);
    const step = integerArg('numbers.range_step', args, 2);
    if (step <= 0n) throw new BuiltinError('numbers.range_step', 'step must be a positive integer');
    const count = (a <= b ? b - a : a - b) / step + 1n;
    if (count > BigInt(MAX_RANGE)) throw new BuiltinError('numbers.range_step', `the range has ${count} numbers, more than the ${MAX_RANGE} this sidecar generates`);
    const out: bigint[] = [];
    for (let i = 0n, x = a; i < count; i++, x = a <= b ? x + step : x - step) out.push(x);
    return out;
  },
  // One random number per (key, n) and evaluation, as OPA caches it per query.
  'rand.intn': (args, ctx) => {
    const key = stringArg('rand.intn', args, 0);
    let n = Math.abs(intArg('rand.intn', args, 1));
    if (n === 0) return 0;
    n = Math.min(n, 2 ** 48 - 1); // node:crypto's randomInt bound
    const cacheKey = `rand.intn\u0000${key}-${n}`;
    let v = ctx.memo.get(cacheKey);
    if (v === undefined) {
      v = randomInt(n);
      ctx.memo.set(cacheKey, v);
    }
    return v;
  },
  cast_array: (args) => (args[0] instanceof RegoSet ? [...args[0].items] : Array.isArray(args[0]) ? args[0] : castError('cast_array', args[0], 'array, set')),
  cast_set: (args) => (Array.isArray(args[0]) ? new RegoSet(dedupe(args[0])) : args[0] instanceof RegoSet ? args[0] : castError('cast_set', args[0], 'array, set')),
  cast_string: (args) => (typeof args[0] === 'string' ? args[0] : castError('cast_string', args[0], 'string')),
  cast_boolean: (args) => (typeof args[0] === 'boolean' ? args[0] : castError('cast_boolean', args[0], 'boolean')),
  cast_null: (args) => (args[0] === null ? null : castError('cast_null', args[0], 'null')),
  cast_object: (args) => (typeName(args[0]) === 'object' ? args[0] : castError('cast_object', args[0], 'object')),
  // Wasm has no tracer: trace only checks its operand and succeeds, as OPA does without tracing.
  trace: (args) => (stringArg('trace', args, 0), true),
  // OPA embedded without runtime information answers {}: the sidecar shows policies neither its
  // environment (secrets) nor its configuration.
  'opa.runtime': () => ({}),
};

function castError(name: string, v: unknown, want: string): never {
  throw new BuiltinError(name, `operand 1 must be one of {${want}} but got ${typeName(v)}`);
}

function objectSubset(sup: Record<string, unknown>, sub: Record<string, unknown>): boolean {
  for (const [k, subV] of Object.entries(sub)) {
    if (!Object.hasOwn(sup, k)) return false;
    const supV = sup[k];
    if (equal(subV, supV)) continue;
    const ts = typeName(supV);
    if (ts !== typeName(subV)) return false;
    if (ts === 'object' && objectSubset(supV as Record<string, unknown>, subV as Record<string, unknown>)) continue;
    if (ts === 'set' && (subV as RegoSet).items.every((x) => contains((supV as RegoSet).items, x))) continue;
    if (ts === 'array' && arraySubset(supV as unknown[], subV as unknown[])) continue;
    return false;
  }
  return true;
}

/** A contiguous run of `sub` in `sup`, searched as OPA's arraySubset searches it. */
function arraySubset(sup: readonly unknown[], sub: readonly unknown[]): boolean {
  if (sub.length > sup.length) return false;
  let supCursor = 0;
  let subCursor = 0;
  for (;;) {
    if (subCursor === sub.length) return true;
    if (supCursor + subCursor === sup.length) return false;
    if (equal(sup[supCursor + subCursor], sub[subCursor])) subCursor++;
    else {
      supCursor++;
      subCursor = 0;
    }
  }
}

function edgesOf(graph: Record<string, unknown>, node: unknown): readonly unknown[] | undefined {
  if (typeof node !== 'string' || !Object.hasOwn(graph, node)) return undefined;
  const e = graph[node];
  if (Array.isArray(e)) return e;
  if (e instanceof RegoSet) return e.items;
  return [];
}

function buildPaths(graph: Record<string, unknown>, root: unknown, path: unknown[], out: unknown[][], reached: unknown[]): void {
  const edges = edgesOf(graph, root);
  if (edges === undefined) {
    out.push(path);
    return;
  }
  const next = [...path, root];
  if (edges.length === 0) {
    out.push(next);
    return;
  }
  const seen = [...reached, root];
  for (const n of edges) {
    if (contains(seen, n)) out.push(next);
    else buildPaths(graph, n, next, out, seen);
  }
}

function dedupe(items: readonly unknown[]): unknown[] {
  const sorted = [...items].sort(compareValues);
  return sorted.filter((x, i) => i === 0 || !equal(sorted[i - 1], x));
}
