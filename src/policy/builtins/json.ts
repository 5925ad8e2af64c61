import { BuiltinError, objectArg, type HostBuiltin } from './builtin-types.ts';
import { goJsonMarshal } from './go-json.ts';

/**
 * OPA's json.marshal_with_options (topdown/encoding.go): Go's json.Marshal, or MarshalIndent with
 * `prefix` and `indent` (default a tab) when `pretty` is true or, unset, when either is given; a
 * pretty result starts with the prefix too. Numbers are written as their text, as ast.JSON does.
 */
const marshalWithOptions: HostBuiltin = (args) => {
  const name = 'json.marshal_with_options';
  const opts = objectArg(name, args, 1);
  let indent = '\t';
  let prefix = '';
  let implicit = false;
  let explicit: boolean | undefined;
  for (const [k, v] of Object.entries(opts)) {
    if (k === 'prefix' || k === 'indent') {
      if (typeof v !== 'string') throw new BuiltinError(name, `operand 2 key ${k} failed cast to string`);
      if (k === 'prefix') prefix = v;
      else indent = v;
      implicit = true;
    } else if (k === 'pretty') {
      if (typeof v !== 'boolean') throw new BuiltinError(name, `operand 2 key ${k} failed cast to bool`);
      explicit = v;
    } else {
      throw new BuiltinError(name, `operand 2 object contained unknown key ${k}`);
    }
  }
  if (explicit ?? implicit) return prefix + goJsonMarshal(args[0], { prefix, indent });
  return goJsonMarshal(args[0]);
};

export const jsonBuiltins: Record<string, HostBuiltin> = {
  'json.marshal_with_options': Object.assign(marshalWithOptions, { numberText: true }),
};
