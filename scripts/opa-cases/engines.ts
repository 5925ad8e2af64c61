import { createRequire } from 'node:module';
import { HOST_BUILTINS } from '../../src/policy/builtins/host-builtins.ts';
import { newEvalContext } from '../../src/policy/builtins/eval-context.ts';
import type { HostBuiltin } from '../../src/policy/builtins/builtin-types.ts';
import { loadWasmPolicy } from '../../src/policy/wasm/load-wasm-policy.ts';
import { parseRegoValue } from '../../src/policy/wasm/parse-rego-value.ts';
import type { CompiledCase, Outcome } from './compare.ts';

/** A case the engine refused to load, or the result of evaluating it. */
export type EngineRun = { readonly missing: readonly string[] } | Outcome;

const MEMORY = { initial: 5, maximum: 4096 };

// OPA's runner registers test.sleep (external_test.go); the cases only need it to return null.
const ourBuiltins: Readonly<Record<string, HostBuiltin>> = { ...HOST_BUILTINS, 'test.sleep': () => null };

/**
 * Our engine, as the sidecar runs it: our Wasm host (src/policy/wasm/load-wasm-policy.ts) with
 * HOST_BUILTINS; a module importing a builtin we lack is refused, as the engine refuses a bundle.
 */
export async function runOurs(c: CompiledCase, wasm: Uint8Array): Promise<EngineRun> {
  const policy = await loadWasmPolicy(wasm, MEMORY, ourBuiltins);
  const missing = policy.builtins.filter((b) => ourBuiltins[b] === undefined);
  if (missing.length > 0) return { missing };
  try {
    policy.setData(c.data ?? {});
    const input = c.input === undefined ? undefined : new TextEncoder().encode(c.input);
    const rs = policy.evaluateEncoded(input, 0, newEvalContext());
    return { resultSet: rs as Record<string, unknown>[] };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

interface StockPolicy {
  setData(data: unknown): void;
  evaluate(input: unknown, entrypoint?: number): unknown;
}
const require = createRequire(import.meta.url);
const sdk = require('@open-policy-agent/opa-wasm') as {
  loadPolicy(wasm: Uint8Array, memory?: object, customBuiltins?: object): Promise<StockPolicy>;
};

/**
 * The stock npm SDK as its README shows it: `loadPolicy` with its own builtins, `setData`,
 * `evaluate` (input as pre-encoded text, so Rego sets in an input reach the module as they are).
 */
export async function runStock(c: CompiledCase, wasm: Uint8Array): Promise<EngineRun> {
  let policy: StockPolicy;
  try {
    policy = await sdk.loadPolicy(wasm, MEMORY, { 'test.sleep': () => null });
    policy.setData(c.data ?? {});
  } catch (err) {
    return { error: message(err) };
  }
  try {
    const input = c.input === undefined ? undefined : new TextEncoder().encode(c.input).buffer;
    const rs = policy.evaluate(input, 0);
    return { resultSet: rs as Record<string, unknown>[] };
  } catch (err) {
    const m = /^not implemented: built-in function \d+: (.+)$/.exec(message(err));
    if (m) return { missing: [m[1]!] };
    return { error: message(err) };
  }
}

/** The SDK throws strings and `{message}` objects as well as Errors. */
function message(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err !== null && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

export function parseCaseLine(line: string): CompiledCase {
  return parseRegoValue(line, { bigints: 'raw', sets: 'json' }) as CompiledCase;
}
