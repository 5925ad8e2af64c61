import type { Listen } from './config.ts';

/**
 * The vocabulary spec.ts declares keys with: a key's type (carrying the TypeScript type of its
 * validated value, so config.ts can derive `Config`), and `key`/`optional` declarations.
 */
export type KeyType =
  | { kind: 'string'; nonEmpty?: boolean }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string[]'; values?: readonly string[]; nonEmpty?: boolean }
  | { kind: 'listen' }
  | { kind: 'issuer' };

/** A key's type, carrying the TypeScript type of its validated value (`T` exists only for the compiler). */
export interface Typed<T> {
  readonly type: KeyType;
  readonly __value?: T;
}

export interface Options {
  readonly env?: string;
  readonly secret?: boolean;
  /** True when a running sidecar takes a new value on SIGHUP; everything else needs a restart. */
  readonly reload?: boolean;
  readonly description: string;
}

/** One declared key; `Optional` says whether its value may be `undefined` (no default, not required). */
export interface Decl<T, Optional extends boolean> extends Options {
  readonly decl: true;
  readonly type: KeyType;
  readonly default?: unknown;
  readonly required?: boolean;
  readonly __value?: T;
  readonly __optional?: Optional;
}

/** A declared key with the dotted name it has in files and documentation. */
export interface KeySpec extends Options {
  readonly key: string;
  readonly type: KeyType;
  readonly default?: unknown;
  readonly required?: boolean;
  readonly reload: boolean;
}

export const text = (nonEmpty = true): Typed<string> => ({ type: { kind: 'string', nonEmpty } });
export const int = (min: number, max: number): Typed<number> => ({ type: { kind: 'int', min, max } });
export const bool = (): Typed<boolean> => ({ type: { kind: 'bool' } });
export const oneOf = <const V extends readonly string[]>(values: V): Typed<V[number]> => ({ type: { kind: 'enum', values } });
export function list<const V extends readonly string[]>(o: { values: V; nonEmpty?: boolean }): Typed<readonly V[number][]>;
export function list(o?: { nonEmpty?: boolean }): Typed<readonly string[]>;
export function list(o: { values?: readonly string[]; nonEmpty?: boolean } = {}): Typed<readonly string[]> {
  return { type: { kind: 'string[]', ...o } };
}
export const listen = (): Typed<Listen> => ({ type: { kind: 'listen' } });
/** An https URL (plain http only on loopback). */
export const url = (): Typed<string> => ({ type: { kind: 'issuer' } });

/** A key that always has a value: a default, or `required`. */
export const key = <T>(t: Typed<T>, o: Options & ({ readonly default: unknown } | { readonly required: true })): Decl<T, false> => ({ decl: true, ...t, ...o });
/** A key that is unset (`undefined`) unless configured. */
export const optional = <T>(t: Typed<T>, o: Options): Decl<T, true> => ({ decl: true, ...t, ...o });

