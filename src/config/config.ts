import type { Decl } from './declare.ts';
import type { SPEC } from './spec.ts';

/** Where a listener binds: a TCP address or a Unix socket path. */
export type Listen = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

/** The spec tree with every declaration replaced by the type of its validated value. */
type ConfigOf<S> = {
  readonly [K in keyof S]: S[K] extends Decl<infer T, infer Optional> ? (Optional extends true ? T | undefined : T) : ConfigOf<S[K]>;
};

/**
 * The validated, frozen configuration every component receives, derived from src/config/spec.ts
 * (see there for each key's meaning). `workers`: 1 one process, 0 one worker per core, N workers.
 */
export type Config = ConfigOf<typeof SPEC>;
