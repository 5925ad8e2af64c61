import { SidecarError } from '../../errors/sidecar-error.ts';
import { isRawJson, RegoNumber, RegoSet } from '../wasm/rego-value.ts';

/**
 * State shared by every builtin call of one evaluation, as OPA keeps it per query: one clock
 * reading for `time.now_ns`; one answer per key for `uuid.rfc4122` and `rand.intn` in `memo`
 * (keys prefixed by the builtin's name).
 */
export interface EvalContext {
  readonly nowNs: bigint;
  readonly memo: Map<string, unknown>;
}

/**
 * Arguments arrive as parsed Rego values (BigInt for large integers, RegoSet for sets), or with
 * every number as its RegoNumber text when the builtin is marked `numberText`.
 */
export type HostBuiltin = ((args: readonly unknown[], ctx: EvalContext) => unknown) & { readonly numberText?: boolean };

/**
 * OPA's non-strict builtin error: the call is undefined (as `opa eval` without
 * `--strict-builtin-errors`), never a crash. Anything else thrown by a builtin is a bug and
 * fails the whole evaluation with `policy_error`.
 */
export class BuiltinError extends SidecarError {
  constructor(builtin: string, message: string) {
    super('policy_error', `${builtin}: ${message}`);
  }
}

export function stringArg(name: string, args: readonly unknown[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string') throw new BuiltinError(name, `operand ${i + 1} must be string but got ${typeName(v)}`);
  return v;
}

/** An integer operand as BigInt (OPA's IntOperand / exact int64 conversions). */
export function integerArg(name: string, args: readonly unknown[], i: number): bigint {
  const v = args[i];
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new BuiltinError(name, `operand ${i + 1} must be integer number but got floating-point number`);
    return BigInt(v);
  }
  throw new BuiltinError(name, `operand ${i + 1} must be number but got ${typeName(v)}`);
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint' || typeof v === 'number' || isRawJson(v) || v instanceof RegoNumber) return 'number';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v;
  if (Array.isArray(v)) return 'array';
  if (v instanceof RegoSet) return 'set';
  return 'object';
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** The strings of an array or set operand (OPA's StringSliceOperand). */
export function stringsArg(name: string, args: readonly unknown[], i: number): string[] {
  const items = collectionArg(name, args, i);
  return items.map((x) => {
    if (typeof x !== 'string') throw new BuiltinError(name, `operand ${i + 1} must be string but got ${typeName(x)}`);
    return x;
  });
}

/** The items of an array or set operand. */
export function collectionArg(name: string, args: readonly unknown[], i: number): readonly unknown[] {
  const v = args[i];
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.items;
  throw new BuiltinError(name, `operand ${i + 1} must be one of {array, set} but got ${typeName(v)}`);
}

export function objectArg(name: string, args: readonly unknown[], i: number): Record<string, unknown> {
  const v = args[i];
  if (typeName(v) !== 'object') throw new BuiltinError(name, `operand ${i + 1} must be object but got ${typeName(v)}`);
  return v as Record<string, unknown>;
}

/** A JS int for an operand OPA reads with IntOperand (Go int); beyond 2^53 it is not exact anyway. */
export function intArg(name: string, args: readonly unknown[], i: number): number {
  return Number(integerArg(name, args, i));
}

/** Code points of a string, as Go ranges over runes. */
export const runes = (s: string): string[] => Array.from(s);
