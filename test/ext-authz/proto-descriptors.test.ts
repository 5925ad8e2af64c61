import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { envoyProtos } from '../../src/ext-authz/envoy-protos.ts';
import { goTool, runGoTool } from '../helpers/go-tools.ts';

/**
 * The vendored .proto files (proto/, loaded by protobufjs) describe exactly the messages that
 * go-control-plane's generated Go code was compiled from (tools/extauthz descriptors dumps them):
 * every message and enum reachable from external_auth.proto, with the same fields, numbers,
 * types, labels and oneofs. A file copied from the wrong commit, or edited, fails here.
 */
interface FieldDescriptor { name: string; number: number; label?: string; type?: string; type_name?: string; oneof_index?: number; proto3_optional?: boolean }
interface MessageDescriptor { name: string; field?: FieldDescriptor[]; nested_type?: MessageDescriptor[]; enum_type?: EnumDescriptor[]; oneof_decl?: { name: string }[]; options?: { map_entry?: boolean } }
interface EnumDescriptor { name: string; value?: { name: string; number: number }[] }
interface FileDescriptor { name: string; package?: string; message_type?: MessageDescriptor[]; enum_type?: EnumDescriptor[] }

const SCALAR: Record<string, string> = {
  TYPE_DOUBLE: 'double', TYPE_FLOAT: 'float', TYPE_INT64: 'int64', TYPE_UINT64: 'uint64', TYPE_INT32: 'int32', TYPE_FIXED64: 'fixed64',
  TYPE_FIXED32: 'fixed32', TYPE_BOOL: 'bool', TYPE_STRING: 'string', TYPE_BYTES: 'bytes', TYPE_UINT32: 'uint32', TYPE_SFIXED32: 'sfixed32',
  TYPE_SFIXED64: 'sfixed64', TYPE_SINT32: 'sint32', TYPE_SINT64: 'sint64',
};

describe('proto/ against go-control-plane\'s compiled descriptors', () => {
  it('has every message and enum of the ext_authz v3 closure, field for field', async () => {
    const r = await runGoTool(goTool('extauthz'), ['descriptors']);
    assert.equal(r.status, 0, r.stderr);
    const files = (JSON.parse(r.stdout) as { file: FileDescriptor[] }).file;
    const { root } = envoyProtos();
    let messages = 0;
    let fields = 0;
    const checkMessage = (m: MessageDescriptor, scope: string, file: string): void => {
      const fullName = `${scope}.${m.name}`;
      if (m.options?.map_entry) return; // protobufjs folds map entries into map fields, checked there
      const type = root.lookupType(fullName);
      messages++;
      const ours = new Map(type.fieldsArray.map((f) => [f.id, f]));
      const entries = new Map((m.nested_type ?? []).filter((n) => n.options?.map_entry).map((n) => [`${fullName}.${n.name}`, n]));
      for (const f of m.field ?? []) {
        fields++;
        const where = `${file}: ${fullName}.${f.name} = ${f.number}`;
        const mine = ours.get(f.number);
        assert.ok(mine, `${where} is missing from proto/`);
        assert.equal(mine.name, f.name, where);
        const entry = f.type_name ? entries.get(f.type_name.slice(1)) : undefined;
        if (entry) {
          assert.ok(mine instanceof protobuf.MapField, `${where} is a map`);
          const [k, v] = entry.field!;
          assert.equal((mine as protobuf.MapField).keyType, SCALAR[k!.type!], where);
          assert.equal(typeName(v!), (mine.resolvedType?.fullName ?? mine.type).replace(/^\./, ''), where);
          ours.delete(f.number);
          continue;
        }
        assert.equal(mine.repeated, f.label === 'LABEL_REPEATED', `${where}: repeated`);
        assert.equal(typeName(f), (mine.resolvedType?.fullName ?? mine.type).replace(/^\./, ''), `${where}: type`);
        const oneof = f.oneof_index !== undefined && !f.proto3_optional ? m.oneof_decl![f.oneof_index]!.name : undefined;
        assert.equal(mine.partOf && !mine.partOf.name.startsWith('_') ? mine.partOf.name : undefined, oneof, `${where}: oneof`);
        ours.delete(f.number);
      }
      assert.deepEqual([...ours.keys()], [], `${file}: ${fullName} has fields Go does not`);
      for (const n of m.nested_type ?? []) checkMessage(n, fullName, file);
      for (const e of m.enum_type ?? []) checkEnum(e, fullName, file);
    };
    const checkEnum = (e: EnumDescriptor, scope: string, file: string): void => {
      const mine = root.lookupEnum(`${scope}.${e.name}`);
      assert.deepEqual(Object.fromEntries(Object.entries(mine.values)), Object.fromEntries((e.value ?? []).map((v) => [v.name, v.number])), `${file}: enum ${scope}.${e.name}`);
    };
    for (const file of files) {
      // protobufjs brings its own well-known types (google/protobuf/*): the wire format of those never changes.
      if (file.name.startsWith('google/protobuf/')) continue;
      for (const m of file.message_type ?? []) checkMessage(m, file.package ?? '', file.name);
      for (const e of file.enum_type ?? []) checkEnum(e, file.package ?? '', file.name);
    }
    assert.ok(files.some((f) => f.name === 'envoy/service/auth/v3/external_auth.proto'));
    assert.ok(messages > 40 && fields > 150, `${messages} messages, ${fields} fields compared`);
  });
});

function typeName(f: FieldDescriptor): string {
  return f.type_name ? f.type_name.replace(/^\./, '') : SCALAR[f.type!]!;
}
