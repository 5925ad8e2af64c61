/**
 * gqlparser's ValidateSchemaDocument (validator/schema.go in github.com/vektah/gqlparser/v2
 * v2.5.58, MIT), which OPA's graphql.* builtins use, followed rule by rule on gqlparser-shaped
 * documents (graphql-ast.ts). It differs from graphql-js's buildASTSchema where OPA's answers
 * depend on it: extending an undefined type defines it, and the checks run in gqlparser's order.
 * Throws an Error naming the first problem; returns the merged types and directives.
 */
type Obj = Record<string, unknown>;
interface TypeRef { NamedType: string; Elem?: TypeRef; NonNull: boolean }
interface Arg { Name: string; Type: TypeRef; DefaultValue?: Obj; Directives: Obj[] }
interface Field extends Arg { Arguments: Arg[] }
interface Def { Kind: string; Name: string; Directives: Obj[]; Interfaces: string[]; Fields: Field[]; Types: string[]; EnumValues: { Name: string; Directives: Obj[] }[]; BuiltIn: boolean }
interface DirDef { Name: string; Arguments: Arg[]; Locations: string[]; IsRepeatable: boolean }
interface Doc { Schema: Obj[]; SchemaExtension: Obj[]; Directives: DirDef[]; Definitions: Def[]; Extensions: Def[] }

export interface MergedSchema {
  readonly types: Map<string, Def>;
  readonly directives: Map<string, DirDef>;
  readonly roots: { query?: string; mutation?: string; subscription?: string };
}

const fail = (msg: string): never => {
  throw new Error(msg);
};
const typeName = (t: TypeRef): string => (t.NamedType !== '' ? t.NamedType : typeName(t.Elem!));

export function validateSchemaDocument(input: Obj): MergedSchema {
  const sd = structuredClone(input) as unknown as Doc;
  const types = new Map<string, Def>();
  const possible = new Map<string, Def[]>();
  const directives = new Map<string, DirDef>();
  const roots: MergedSchema['roots'] = {};
  for (const def of sd.Definitions) {
    if (types.has(def.Name)) fail(`Cannot redeclare type ${def.Name}.`);
    types.set(def.Name, def);
  }
  const defs = [...sd.Definitions];
  for (const ext of sd.Extensions) {
    let def = types.get(ext.Name);
    if (!def) {
      def = { Kind: ext.Kind, Name: ext.Name, Directives: [], Interfaces: [], Fields: [], Types: [], EnumValues: [], BuiltIn: false };
      types.set(ext.Name, def);
      defs.push(def);
    }
    if (def.Kind !== ext.Kind) fail(`Cannot extend type ${ext.Name} because the base type is a ${def.Kind}, not ${ext.Kind}.`);
    def.Directives.push(...ext.Directives);
    def.Interfaces.push(...ext.Interfaces);
    def.Fields.push(...ext.Fields);
    def.Types.push(...ext.Types);
    def.EnumValues.push(...ext.EnumValues);
  }
  const addPossible = (name: string, def: Def | undefined): void => void possible.set(name, [...(possible.get(name) ?? []), def as Def]);
  for (const def of defs) {
    if (def.Kind === 'UNION') for (const t of def.Types) addPossible(def.Name, types.get(t));
    else if (def.Kind === 'INPUT_OBJECT' || def.Kind === 'OBJECT') {
      for (const i of def.Interfaces) addPossible(i, def);
      addPossible(def.Name, def);
    } else if (def.Kind === 'INTERFACE') for (const i of def.Interfaces) addPossible(i, def);
  }
  for (const dir of sd.Directives) {
    if (directives.has(dir.Name) && !['include', 'skip', 'deprecated', 'specifiedBy', 'defer', 'oneOf'].includes(dir.Name)) fail(`Cannot redeclare directive ${dir.Name}.`);
    directives.set(dir.Name, dir);
  }
  const ctx = { types, directives, possible };
  if (sd.Schema.length > 1) fail('Cannot have multiple schema entry points, consider schema extensions instead.');
  for (const s of [...sd.Schema, ...sd.SchemaExtension]) {
    for (const op of s['OperationTypes'] as { Operation: 'query' | 'mutation' | 'subscription'; Type: string }[]) {
      if (!types.has(op.Type)) fail(`Schema root ${op.Operation} refers to a type ${op.Type} that does not exist.`);
      roots[op.Operation] = op.Type;
    }
    validateDirectives(ctx, s['Directives'] as Obj[], 'SCHEMA', undefined, true);
  }
  for (const name of [...types.keys()].sort()) validateDefinition(ctx, types.get(name)!);
  validateInputCycles(ctx);
  for (const name of [...directives.keys()].sort()) {
    const d = directives.get(name)!;
    validateName(d.Name);
    validateArgs(ctx, d.Arguments, d);
  }
  if (sd.Schema.length === 0) {
    for (const op of ['query', 'mutation', 'subscription'] as const) {
      const conventional = op[0]!.toUpperCase() + op.slice(1);
      if (roots[op] === undefined && types.has(conventional)) roots[op] = conventional;
    }
  }
  return { types, directives, roots };
}

interface Ctx { types: Map<string, Def>; directives: Map<string, DirDef>; possible: Map<string, Def[]> }

function validateName(name: string): void {
  if (name.startsWith('__')) fail(`Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`);
}

function validateDefinition(ctx: Ctx, def: Def): void {
  for (const f of def.Fields) {
    validateName(f.Name);
    if (!ctx.types.has(typeName(f.Type))) fail(`Undefined type ${typeName(f.Type)}.`);
    validateArgs(ctx, f.Arguments ?? [], undefined);
    validateDirectives(ctx, f.Directives, def.Kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION', undefined, true);
  }
  for (const t of def.Types) {
    const td = ctx.types.get(t);
    if (!td) fail(`Undefined type "${t}".`);
    if (td!.Kind !== 'OBJECT') fail(`${def.Kind} type "${t}" must be OBJECT.`);
  }
  for (const i of def.Interfaces) validateImplements(ctx, def, i);
  const fieldKinds = (allowed: string[]): void => {
    for (const f of def.Fields) {
      const t = ctx.types.get(typeName(f.Type));
      if (t && !allowed.includes(t.Kind)) fail(`${def.Kind} ${def.Name}: field must be one of ${allowed.join(', ')}.`);
    }
  };
  if (def.Kind === 'OBJECT' || def.Kind === 'INTERFACE') {
    if (def.Fields.length === 0) fail(`${def.Kind} ${def.Name}: must define one or more fields.`);
    fieldKinds(['SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM']);
  } else if (def.Kind === 'ENUM') {
    if (def.EnumValues.length === 0) fail(`${def.Kind} ${def.Name}: must define one or more unique enum values.`);
    for (const v of def.EnumValues) {
      if (['true', 'false', 'null'].includes(v.Name)) fail(`${def.Kind} ${def.Name}: non-enum value ${v.Name}.`);
      validateDirectives(ctx, v.Directives, 'ENUM_VALUE', undefined, true);
    }
  } else if (def.Kind === 'INPUT_OBJECT') {
    if (def.Fields.length === 0) fail(`${def.Kind} ${def.Name}: must define one or more input fields.`);
    fieldKinds(['SCALAR', 'ENUM', 'INPUT_OBJECT']);
  }
  const dup = (names: string[], what: string): void => names.forEach((n, i) => names.indexOf(n) !== i && fail(`${what} ${def.Name}.${n} can only be defined once.`));
  dup(def.Fields.map((f) => f.Name), 'Field');
  dup(def.EnumValues.map((v) => v.Name), 'Enum value');
  def.Types.forEach((t, i) => def.Types.indexOf(t) !== i && fail(`Union type ${def.Name} can only include type ${t} once.`));
  if (!def.BuiltIn) validateName(def.Name);
  validateDirectives(ctx, def.Directives, def.Kind, undefined, false);
}

function validateArgs(ctx: Ctx, args: Arg[], current: DirDef | undefined): void {
  for (const a of args) {
    validateName(a.Name);
    const t = ctx.types.get(typeName(a.Type));
    if (!t) fail(`Undefined type ${typeName(a.Type)}.`);
    if (!['SCALAR', 'ENUM', 'INPUT_OBJECT'].includes(t!.Kind)) fail(`cannot use ${typeName(a.Type)} as argument ${a.Name} because ${t!.Kind} is not a valid input type`);
    validateDirectives(ctx, a.Directives, 'ARGUMENT_DEFINITION', current, true);
  }
}

function validateDirectives(ctx: Ctx, dirs: Obj[], location: string, current: DirDef | undefined, single: boolean): void {
  const seen = new Set<string>();
  for (const dir of dirs) {
    const name = dir['Name'] as string;
    validateName(name);
    if (current && name === current.Name) fail(`Directive ${name} cannot refer to itself.`);
    const def = ctx.directives.get(name);
    if (!def) fail(`Undefined directive ${name}.`);
    if (single) {
      if (seen.has(name) && !def!.IsRepeatable) fail(`The directive ${name} can only be used once at this location.`);
      seen.add(name);
    }
    if (!def!.Locations.includes(location)) fail(`Directive ${name} is not applicable on ${location}.`);
    const given = (dir['Arguments'] ?? []) as { Name: string; Value: Obj }[];
    for (const a of given) if (!def!.Arguments.some((x) => x.Name === a.Name)) fail(`Undefined argument ${a.Name} for directive ${name}.`);
    for (const a of def!.Arguments) {
      if (!a.Type.NonNull || a.DefaultValue) continue;
      const arg = given.find((x) => x.Name === a.Name);
      if (!arg || arg.Value['Kind'] === 6) fail(`Argument ${a.Name} for directive ${name} cannot be null.`);
    }
  }
}

function validateImplements(ctx: Ctx, def: Def, name: string): void {
  const intf = ctx.types.get(name);
  if (!intf) fail(`Undefined type "${name}".`);
  if (intf!.Kind !== 'INTERFACE') fail(`"${name}" is a non interface type ${intf!.Kind}.`);
  for (const req of intf!.Fields) {
    const found = def.Fields.find((f) => f.Name === req.Name);
    if (!found) fail(`For ${def.Name} to implement ${name} it must have a field called ${req.Name}.`);
    if (!covariant(ctx, req.Type, found!.Type)) fail(`For ${def.Name} to implement ${name} the field ${req.Name} must have the right type.`);
    for (const ra of req.Arguments ?? []) {
      const fa = (found!.Arguments ?? []).find((a) => a.Name === ra.Name);
      if (!fa) fail(`For ${def.Name} to implement ${name} the field ${req.Name} must have the same arguments but it is missing ${ra.Name}.`);
      if (!compatible(ra.Type, fa!.Type)) fail(`For ${def.Name} to implement ${name} the field ${req.Name} must have the same arguments but ${ra.Name} has the wrong type.`);
    }
    for (const fa of found!.Arguments ?? []) {
      if (!(req.Arguments ?? []).some((a) => a.Name === fa.Name) && fa.Type.NonNull && !fa.DefaultValue) {
        fail(`For ${def.Name} to implement ${name} any additional arguments on ${found!.Name} must be optional or have a default value but ${fa.Name} is required.`);
      }
    }
  }
  for (const t of intf!.Interfaces) {
    if (!def.Interfaces.includes(t)) {
      fail(t === def.Name ? `Type ${def.Name} cannot implement ${name} because it would create a circular reference.` : `Type ${def.Name} must implement ${t} because it is implemented by ${name}.`);
    }
  }
}

function covariant(ctx: Ctx, req: TypeRef, act: TypeRef): boolean {
  if (req.NonNull && !act.NonNull) return false;
  if (req.NamedType !== '') return req.NamedType === act.NamedType || (ctx.possible.get(req.NamedType) ?? []).some((p) => p?.Name === act.NamedType);
  if (req.Elem && !act.Elem) return false;
  return covariant(ctx, req.Elem!, act.Elem!);
}

function compatible(t: TypeRef, o: TypeRef): boolean {
  if (t.NamedType !== o.NamedType) return false;
  if (t.Elem && !o.Elem) return false;
  if (t.Elem && !compatible(t.Elem, o.Elem!)) return false;
  return o.NonNull ? t.NonNull : true;
}

function validateInputCycles(ctx: Ctx): void {
  const visited = new Set<string>();
  const path: string[] = [];
  const index = new Map<string, number>();
  const detect = (def: Def): void => {
    if (visited.has(def.Name)) return;
    visited.add(def.Name);
    index.set(def.Name, path.length);
    for (const f of def.Fields) {
      if (!f.Type.NonNull || f.Type.NamedType === '') continue;
      const ft = ctx.types.get(f.Type.NamedType);
      if (!ft || ft.Kind !== 'INPUT_OBJECT') continue;
      path.push(f.Name);
      if (index.has(ft.Name)) fail(`Cannot reference Input Object "${ft.Name}" within itself through a series of non-null fields.`);
      detect(ft);
      path.pop();
    }
    index.delete(def.Name);
  };
  for (const name of [...ctx.types.keys()].sort()) {
    const def = ctx.types.get(name)!;
    if (def.Kind === 'INPUT_OBJECT') detect(def);
  }
}
