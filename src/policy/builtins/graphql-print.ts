/**
 * gqlparser-shaped documents (graphql-ast.ts) printed back as GraphQL text, so graphql-js can parse
 * and validate them: documents given to the builtins as objects, and a schema after gqlparser's
 * merge of extensions and the prelude. Missing fields read as Go's zero values, as json.Unmarshal
 * into gqlparser's structs reads them; a field of the wrong type is an error.
 */
type Obj = Record<string, unknown>;

const list = (v: unknown, what: string): Obj[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list`);
  return v.map((x) => obj(x, what));
};
const obj = (v: unknown, what: string): Obj => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected an object`);
  return v as Obj;
};
const str = (v: unknown, what: string): string => {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new Error(`${what}: expected a string`);
  return v;
};
const strs = (v: unknown, what: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list`);
  return v.map((x) => str(x, what));
};
const desc = (o: Obj): string => (str(o['Description'], 'Description') === '' ? '' : `${JSON.stringify(o['Description'])} `);

function printValue(v: unknown): string {
  const o = obj(v, 'Value');
  const raw = str(o['Raw'], 'Raw');
  const children = list(o['Children'], 'Children');
  switch (o['Kind'] ?? 0) {
    case 0: return `$${raw}`;
    case 1: case 2: case 5: case 7: return raw;
    case 3: case 4: return JSON.stringify(raw);
    case 6: return 'null';
    case 8: return `[${children.map((c) => printValue(c['Value'])).join(', ')}]`;
    case 9: return `{${children.map((c) => `${str(c['Name'], 'Name')}: ${printValue(c['Value'])}`).join(', ')}}`;
    default: throw new Error('Value: unknown Kind');
  }
}

function printType(v: unknown): string {
  const t = obj(v, 'Type');
  const base = str(t['NamedType'], 'NamedType') || `[${printType(t['Elem'])}]`;
  return t['NonNull'] === true ? `${base}!` : base;
}

const args = (v: unknown): string => {
  const as = list(v, 'Arguments');
  return as.length === 0 ? '' : `(${as.map((a) => `${str(a['Name'], 'Name')}: ${printValue(a['Value'])}`).join(', ')})`;
};
const dirs = (v: unknown): string => list(v, 'Directives').map((d) => ` @${str(d['Name'], 'Name')}${args(d['Arguments'])}`).join('');

function selections(v: unknown): string {
  const ss = list(v, 'SelectionSet');
  if (ss.length === 0) return '';
  // gqlparser's UnmarshalSelectionSet tries Field first, which any object satisfies.
  return ` { ${ss.map((s) => {
    const name = str(s['Name'], 'Name');
    const alias = str(s['Alias'], 'Alias');
    return `${alias && alias !== name ? `${alias}: ` : ''}${name}${args(s['Arguments'])}${dirs(s['Directives'])}${selections(s['SelectionSet'])}`;
  }).join(' ')} }`;
}

/** A QueryDocument object as query text. */
export function printQuery(v: unknown): string {
  const doc = obj(v, 'QueryDocument');
  const ops = list(doc['Operations'], 'Operations').map((o) => {
    const vars = list(o['VariableDefinitions'], 'VariableDefinitions').map((d) =>
      `$${str(d['Variable'], 'Variable')}: ${printType(d['Type'])}${d['DefaultValue'] ? ` = ${printValue(d['DefaultValue'])}` : ''}${dirs(d['Directives'])}`);
    return `${str(o['Operation'], 'Operation') || 'query'} ${str(o['Name'], 'Name')}${vars.length ? `(${vars.join(', ')})` : ''}${dirs(o['Directives'])}${selections(o['SelectionSet'])}`;
  });
  const frags = list(doc['Fragments'], 'Fragments').map((f) =>
    `fragment ${str(f['Name'], 'Name')} on ${str(f['TypeCondition'], 'TypeCondition')}${dirs(f['Directives'])}${selections(f['SelectionSet'])}`);
  return [...ops, ...frags].join('\n');
}

const argDefs = (v: unknown): string => {
  const as = list(v, 'Arguments');
  return as.length === 0 ? '' : `(${as.map(inputValue).join(', ')})`;
};
const inputValue = (a: Obj): string =>
  `${desc(a)}${str(a['Name'], 'Name')}: ${printType(a['Type'])}${a['DefaultValue'] ? ` = ${printValue(a['DefaultValue'])}` : ''}${dirs(a['Directives'])}`;

/** One type definition (or extension, with `extend`) as SDL. */
export function printDefinition(d: Obj, extend = false): string {
  const kind = str(d['Kind'], 'Kind');
  const head = `${extend ? 'extend ' : desc(d)}`;
  const name = str(d['Name'], 'Name');
  const fields = list(d['Fields'], 'Fields');
  const body = (items: string[]): string => (items.length ? ` { ${items.join(' ')} }` : '');
  const ifaces = strs(d['Interfaces'], 'Interfaces');
  const impl = ifaces.length ? ` implements ${ifaces.join(' & ')}` : '';
  switch (kind) {
    case 'SCALAR': return `${head}scalar ${name}${dirs(d['Directives'])}`;
    case 'OBJECT': case 'INTERFACE':
      return `${head}${kind === 'OBJECT' ? 'type' : 'interface'} ${name}${impl}${dirs(d['Directives'])}${body(fields.map((f) => `${desc(f)}${str(f['Name'], 'Name')}${argDefs(f['Arguments'])}: ${printType(f['Type'])}${dirs(f['Directives'])}`))}`;
    case 'UNION': {
      const types = strs(d['Types'], 'Types');
      return `${head}union ${name}${dirs(d['Directives'])}${types.length ? ` = ${types.join(' | ')}` : ''}`;
    }
    case 'ENUM': return `${head}enum ${name}${dirs(d['Directives'])}${body(list(d['EnumValues'], 'EnumValues').map((e) => `${desc(e)}${str(e['Name'], 'Name')}${dirs(e['Directives'])}`))}`;
    case 'INPUT_OBJECT': return `${head}input ${name}${dirs(d['Directives'])}${body(fields.map(inputValue))}`;
    default: throw new Error(`Definition: unknown Kind ${kind}`);
  }
}

export function printDirectiveDefinition(d: Obj): string {
  return `${desc(d)}directive @${str(d['Name'], 'Name')}${argDefs(d['Arguments'])}${d['IsRepeatable'] === true ? ' repeatable' : ''} on ${strs(d['Locations'], 'Locations').join(' | ')}`;
}

function printSchemaDefinition(s: Obj, extend: boolean): string {
  const ops = list(s['OperationTypes'], 'OperationTypes').map((o) => `${str(o['Operation'], 'Operation')}: ${str(o['Type'], 'Type')}`);
  return `${extend ? 'extend ' : desc(s)}schema${dirs(s['Directives'])}${ops.length ? ` { ${ops.join(' ')} }` : ''}`;
}

/** A SchemaDocument object as SDL text. */
export function printSchema(v: unknown): string {
  const doc = obj(v, 'SchemaDocument');
  return [
    ...list(doc['Schema'], 'Schema').map((s) => printSchemaDefinition(s, false)),
    ...list(doc['SchemaExtension'], 'SchemaExtension').map((s) => printSchemaDefinition(s, true)),
    ...list(doc['Directives'], 'Directives').map(printDirectiveDefinition),
    ...list(doc['Definitions'], 'Definitions').map((d) => printDefinition(d)),
    ...list(doc['Extensions'], 'Extensions').map((d) => printDefinition(d, true)),
  ].join('\n');
}
