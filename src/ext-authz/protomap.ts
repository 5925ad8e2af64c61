import protobuf from 'protobufjs';

/**
 * A decoded protobuf message as opa-envoy-plugin hands it to the policy (envoyauth/protomap.go):
 * keys are the fields' JSON names (`socket_address` → `socketAddress`); only populated fields
 * appear (a proto3 scalar at its zero value does not); a `google.protobuf.Struct` becomes its
 * plain JSON object; every other message, Timestamp included, becomes an object of its fields;
 * 64-bit integers are numbers, enums their numbers, bytes base64 (what OPA makes of Go's []byte).
 */
export function protomap(message: protobuf.Message | Record<string, unknown>, type: protobuf.Type): Record<string, unknown> {
  if (type.fullName === '.google.protobuf.Struct') return structToJson(message as { fields?: Record<string, unknown> });
  const out: Record<string, unknown> = {};
  const m = message as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(m, field.name)) continue;
    const value = m[field.name];
    if (value === null || value === undefined) continue;
    const explicit = field.partOf !== null || field.resolvedType instanceof protobuf.Type;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      out[jsonName(field.name)] = Object.fromEntries(entries.map(([k, v]) => [k, fieldValue(field, v)]));
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      out[jsonName(field.name)] = list.map((v) => fieldValue(field, v));
    } else {
      if (!explicit && isZero(value)) continue;
      out[jsonName(field.name)] = fieldValue(field, value);
    }
  }
  return out;
}

function fieldValue(field: protobuf.Field, v: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Type) return protomap(v as protobuf.Message, field.resolvedType);
  if (isLong(v)) return longToNumber(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return v;
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false) return true;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isLong(v)) return v.low === 0 && v.high === 0;
  return false;
}

interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}

/** protobufjs decodes 64-bit integers to Long objects (when the long package is present). */
function isLong(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && typeof (v as LongLike).high === 'number';
}

function longToNumber(v: LongLike): number {
  return (v.unsigned ? v.high >>> 0 : v.high) * 2 ** 32 + (v.low >>> 0);
}

/** protoc's JSON name: underscores removed, the letter after each upper-cased. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_+([a-z0-9])?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
}

/** structpb.Struct.AsMap: google.protobuf.Value's oneof as plain JSON. */
function structToJson(s: { fields?: Record<string, unknown> }): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s.fields ?? {}).map(([k, v]) => [k, valueToJson(v as Record<string, unknown>)]));
}

function valueToJson(v: Record<string, unknown>): unknown {
  if (v === null || v === undefined) return null;
  // protobufjs' bundled well-known types have camelCase field names.
  if (Object.hasOwn(v, 'structValue')) return structToJson(v['structValue'] as { fields?: Record<string, unknown> });
  const list = Object.hasOwn(v, 'listValue') ? (v['listValue'] as { values?: unknown[] } | null) : null;
  if (list) return (list.values ?? []).map((x) => valueToJson(x as Record<string, unknown>));
  for (const k of ['stringValue', 'numberValue', 'boolValue']) {
    if (Object.hasOwn(v, k)) return v[k];
  }
  return null;
}
