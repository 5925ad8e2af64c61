import type {
  ConstDirectiveNode, DefinitionNode, DirectiveNode, DocumentNode, FieldDefinitionNode, InputValueDefinitionNode, SelectionNode, TypeNode, ValueNode, VariableDefinitionNode,
} from 'graphql';

/**
 * GraphQL documents in the shape OPA's graphql.* builtins return them: gqlparser's Go structs
 * (github.com/vektah/gqlparser/v2/ast) as JSON, with `Position`, nulls and empty lists pruned.
 * Parsing is graphql-js's; these functions translate its AST to that shape and back (objects given
 * to graphql.is_valid and friends are such documents).
 */
type Obj = Record<string, unknown>;
const KINDS = ['Variable', 'IntValue', 'FloatValue', 'StringValue', 'BlockValue', 'BooleanValue', 'NullValue', 'EnumValue', 'ListValue', 'ObjectValue'];
const DEF_KIND: Record<string, string> = {
  ScalarTypeDefinition: 'SCALAR', ObjectTypeDefinition: 'OBJECT', InterfaceTypeDefinition: 'INTERFACE', UnionTypeDefinition: 'UNION', EnumTypeDefinition: 'ENUM', InputObjectTypeDefinition: 'INPUT_OBJECT',
  ScalarTypeExtension: 'SCALAR', ObjectTypeExtension: 'OBJECT', InterfaceTypeExtension: 'INTERFACE', UnionTypeExtension: 'UNION', EnumTypeExtension: 'ENUM', InputObjectTypeExtension: 'INPUT_OBJECT',
};

function value(v: ValueNode): Obj {
  const base = (kind: string, raw: string, children: Obj[] = []): Obj => ({ Raw: raw, Children: children, Kind: KINDS.indexOf(kind), ExpectedTypeHasDefault: false });
  switch (v.kind) {
    case 'Variable': return base('Variable', v.name.value);
    case 'IntValue': return base('IntValue', v.value);
    case 'FloatValue': return base('FloatValue', v.value);
    case 'StringValue': return base(v.block ? 'BlockValue' : 'StringValue', v.value);
    case 'BooleanValue': return base('BooleanValue', String(v.value));
    case 'NullValue': return base('NullValue', 'null');
    case 'EnumValue': return base('EnumValue', v.value);
    case 'ListValue': return base('ListValue', '', v.values.map((x) => ({ Name: '', Value: value(x) })));
    case 'ObjectValue': return base('ObjectValue', '', v.fields.map((f) => ({ Name: f.name.value, Value: value(f.value) })));
    default: throw new Error('unknown value kind');
  }
}

function type(t: TypeNode): Obj {
  if (t.kind === 'NonNullType') return { ...type(t.type), NonNull: true };
  if (t.kind === 'ListType') return { NamedType: '', Elem: type(t.type), NonNull: false };
  return { NamedType: t.name.value, NonNull: false };
}

const directives = (ds: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): Obj[] =>
  (ds ?? []).map((d) => ({ Name: d.name.value, Arguments: (d.arguments ?? []).map((a) => ({ Name: a.name.value, Value: value(a.value) })), Location: '' }));

function selections(ss: { selections: readonly SelectionNode[] } | undefined): Obj[] {
  return (ss?.selections ?? []).map((s) => {
    if (s.kind === 'Field') {
      return { Alias: s.alias?.value ?? s.name.value, Name: s.name.value, Arguments: (s.arguments ?? []).map((a) => ({ Name: a.name.value, Value: value(a.value) })), Directives: directives(s.directives), SelectionSet: selections(s.selectionSet) };
    }
    if (s.kind === 'FragmentSpread') return { Name: s.name.value, Directives: directives(s.directives) };
    return { TypeCondition: s.typeCondition?.name.value ?? '', Directives: directives(s.directives), SelectionSet: selections(s.selectionSet) };
  });
}

const variableDefinitions = (vs: readonly VariableDefinitionNode[] | undefined): Obj[] =>
  (vs ?? []).map((v) => ({ Variable: v.variable.name.value, Type: type(v.type), DefaultValue: v.defaultValue && value(v.defaultValue), Directives: directives(v.directives), Used: false }));

/** A parsed executable document as gqlparser's QueryDocument. */
export function queryFromJs(doc: DocumentNode): Obj {
  const out = { Operations: [] as Obj[], Fragments: [] as Obj[] };
  for (const d of doc.definitions) {
    if (d.kind === 'OperationDefinition') {
      out.Operations.push({
        Operation: d.operation, Name: d.name?.value ?? '', Directives: directives(d.directives), SelectionSet: selections(d.selectionSet),
        VariableDefinitions: variableDefinitions(d.variableDefinitions),
      });
    } else if (d.kind === 'FragmentDefinition') {
      out.Fragments.push({
        Name: d.name.value, VariableDefinition: variableDefinitions(d.variableDefinitions), TypeCondition: d.typeCondition.name.value, Directives: directives(d.directives),
        SelectionSet: selections(d.selectionSet),
      });
    } else {
      throw new Error(`Unexpected ${d.kind}`);
    }
  }
  return out;
}

const desc = (d: { description?: { value: string } | undefined }): string => d.description?.value ?? '';
const argDefs = (as: readonly InputValueDefinitionNode[] | undefined): Obj[] =>
  (as ?? []).map((a) => ({ Description: desc(a), Name: a.name.value, DefaultValue: a.defaultValue && value(a.defaultValue), Type: type(a.type), Directives: directives(a.directives) }));
const fieldDefs = (fs: readonly (FieldDefinitionNode | InputValueDefinitionNode)[] | undefined): Obj[] =>
  (fs ?? []).map((f) => ({
    Description: desc(f), Name: f.name.value, Arguments: 'arguments' in f ? argDefs(f.arguments) : [], DefaultValue: 'defaultValue' in f && f.defaultValue ? value(f.defaultValue) : undefined,
    Type: type(f.type), Directives: directives(f.directives),
  }));

function typeDef(d: DefinitionNode & { name: { value: string } }): Obj {
  const n = d as unknown as Record<string, never>;
  return {
    Kind: DEF_KIND[d.kind], Description: desc(n), Name: d.name.value, Directives: directives(n['directives']),
    Interfaces: ((n['interfaces'] ?? []) as { name: { value: string } }[]).map((i) => i.name.value),
    Fields: fieldDefs(n['fields']), Types: ((n['types'] ?? []) as { name: { value: string } }[]).map((t) => t.name.value),
    EnumValues: ((n['values'] ?? []) as { name: { value: string }; description?: { value: string }; directives?: ConstDirectiveNode[] }[]).map((v) => ({ Description: desc(v), Name: v.name.value, Directives: directives(v.directives) })),
    BuiltIn: false,
  };
}

/** A parsed type-system document as gqlparser's SchemaDocument. */
export function schemaFromJs(doc: DocumentNode, builtIn = false): Obj {
  const out = { Schema: [] as Obj[], SchemaExtension: [] as Obj[], Directives: [] as Obj[], Definitions: [] as Obj[], Extensions: [] as Obj[] };
  for (const d of doc.definitions) {
    if (d.kind === 'SchemaDefinition' || d.kind === 'SchemaExtension') {
      const s = { Description: d.kind === 'SchemaDefinition' ? desc(d) : '', Directives: directives(d.directives), OperationTypes: (d.operationTypes ?? []).map((o) => ({ Operation: o.operation, Type: o.type.name.value })) };
      (d.kind === 'SchemaDefinition' ? out.Schema : out.SchemaExtension).push(s);
    } else if (d.kind === 'DirectiveDefinition') {
      out.Directives.push({ Description: desc(d), Name: d.name.value, Arguments: argDefs(d.arguments), Locations: d.locations.map((l) => l.value), IsRepeatable: d.repeatable });
    } else if (d.kind in DEF_KIND) {
      const def = typeDef(d as never);
      if (builtIn) def['BuiltIn'] = true;
      (d.kind.endsWith('Extension') ? out.Extensions : out.Definitions).push(def);
    } else {
      throw new Error(`Unexpected ${d.kind}`);
    }
  }
  return out;
}

/** OPA's pruneIrrelevantGraphQLASTNodes: no Position, no nulls, no empty lists or objects. */
export function prune(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(prune).filter((x) => x !== undefined && x !== null && !isEmpty(x));
  }
  if (v !== null && typeof v === 'object') {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'Position') continue;
      const p = prune(x);
      if (p === undefined || p === null || isEmpty(p)) continue;
      out[k] = p;
    }
    return out;
  }
  return v;
}

const isEmpty = (x: unknown): boolean => (Array.isArray(x) ? x.length === 0 : x !== null && typeof x === 'object' && Object.keys(x).length === 0);
