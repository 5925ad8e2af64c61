import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { BuiltinError, typeName, type HostBuiltin } from './builtin-types.ts';
import { prune, queryFromJs, schemaFromJs } from './graphql-ast.ts';
import { GQLPARSER_PRELUDE } from './graphql-prelude.ts';
import { printDefinition, printDirectiveDefinition, printQuery, printSchema } from './graphql-print.ts';
import { validateSchemaDocument } from './graphql-schema.ts';

/**
 * OPA's graphql.* builtins (topdown/graphql.go). Parsing and query validation are graphql-js's
 * (gqlparser, which OPA uses, follows graphql-js's grammar and imports its validation tests);
 * schema validation is gqlparser's own (graphql-schema.ts); results have gqlparser's AST shape
 * (graphql-ast.ts). graphql-js is loaded on the first call, so policies without GraphQL never
 * load it.
 */
type Graphql = typeof import('graphql');
let gql: Graphql | undefined;
const lib = (): Graphql => (gql ??= createRequire(import.meta.url)('graphql') as Graphql);

type Obj = Record<string, unknown>;
interface Query { readonly js: DocumentNode; readonly doc: Obj }
interface Schema { readonly doc: Obj }

function parse(text: string): DocumentNode {
  const g = lib();
  // gqlparser reads a document without definitions as empty; graphql-js calls it a syntax error.
  if (new g.Lexer(new g.Source(text)).advance().kind === g.TokenKind.EOF) return { kind: g.Kind.DOCUMENT, definitions: [] };
  return g.parse(text, { noLocation: true, maxTokens: 100_000, allowLegacyFragmentVariables: true });
}

function query(v: unknown): Query {
  const text = typeof v === 'string' ? v : typeName(v) === 'object' ? printQuery(v) : undefined;
  if (text === undefined) throw new Error(`operand must be string or object but got ${typeName(v)}`);
  const js = parse(text);
  return { js, doc: queryFromJs(js) };
}

function schema(v: unknown): Schema {
  const text = typeof v === 'string' ? v : typeName(v) === 'object' ? printSchema(v) : undefined;
  if (text === undefined) throw new Error(`operand must be string or object but got ${typeName(v)}`);
  return { doc: schemaFromJs(parse(text)) };
}

const built = new Map<string, GraphQLSchema>();
const MAX_CACHED = 100;

/** OPA's convertSchema: the prelude merged in, gqlparser's checks, then a graphql-js schema for validating queries. */
function convert(s: Schema): GraphQLSchema {
  const key = JSON.stringify(s.doc);
  const cached = built.get(key);
  if (cached) return cached;
  const prelude = schemaFromJs(parse(GQLPARSER_PRELUDE), true);
  const merged: Obj = {};
  for (const k of ['Schema', 'SchemaExtension', 'Directives', 'Definitions', 'Extensions']) merged[k] = [...(prelude[k] as Obj[]), ...(s.doc[k] as Obj[])];
  const m = validateSchemaDocument(merged);
  const ops = Object.entries(m.roots).map(([op, t]) => `${op}: ${t}`);
  const sdl = [
    ...(ops.length ? [`schema { ${ops.join(' ')} }`] : []),
    ...[...m.directives.values()].map((d) => printDirectiveDefinition(d as unknown as Obj)),
    ...[...m.types.values()].map((d) => printDefinition(d as unknown as Obj)),
  ].join('\n');
  const result = lib().buildASTSchema(parse(sdl), { assumeValid: true, assumeValidSDL: true });
  if (built.size >= MAX_CACHED) built.delete(built.keys().next().value!);
  built.set(key, result);
  return result;
}

function valid(q: Query, s: GraphQLSchema): boolean {
  return lib().validate(s, q.js).length === 0;
}

/** Runs `f`, turning any failure into OPA's builtin error (undefined unless strict). */
function attempt<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof BuiltinError) throw err;
    throw new BuiltinError(name, (err as Error).message);
  }
}

/** Runs `f`, turning any failure into `fallback` (the builtins that answer false instead of failing). */
function orElse<T>(fallback: T, f: () => T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

export const graphqlBuiltins: Record<string, HostBuiltin> = {
  'graphql.parse_query': (args) => attempt('graphql.parse_query', () => {
    if (typeof args[0] !== 'string') throw new Error(`operand 1 must be string but got ${typeName(args[0])}`);
    return prune(query(args[0]).doc);
  }),
  'graphql.parse_schema': (args) => attempt('graphql.parse_schema', () => {
    if (typeof args[0] !== 'string') throw new Error(`operand 1 must be string but got ${typeName(args[0])}`);
    return prune(schema(args[0]).doc);
  }),
  'graphql.parse': (args) => attempt('graphql.parse', () => {
    const q = query(args[0]);
    const s = schema(args[1]);
    if (!valid(q, convert(s))) throw new Error('query does not validate against the schema');
    return [prune(q.doc), prune(s.doc)];
  }),
  'graphql.parse_and_verify': (args) => orElse<unknown>([false, {}, {}], () => {
    const q = query(args[0]);
    const s = schema(args[1]);
    return valid(q, convert(s)) ? [true, prune(q.doc), prune(s.doc)] : [false, {}, {}];
  }),
  'graphql.is_valid': (args) => orElse(false, () => valid(query(args[0]), convert(schema(args[1])))),
  'graphql.schema_is_valid': (args) => orElse(false, () => (convert(schema(args[0])), true)),
};
