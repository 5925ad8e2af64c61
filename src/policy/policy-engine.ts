import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { SidecarError } from '../errors/sidecar-error.ts';
import type { Bundle } from './read-bundle.ts';

export interface PolicyResult {
  readonly allow: boolean;
  readonly reasons: readonly string[] | undefined;
}

export interface PolicyEngine {
  readonly revision: string;
  readonly entrypoints: readonly string[];
  /** Evaluates the configured entrypoint; deny unless the policy says exactly `true`. */
  decide(input: unknown): PolicyResult;
  /** Evaluates any entrypoint and returns OPA's raw result (undefined when the rule is undefined). */
  evaluate(input: unknown, entrypoint: string): unknown;
}

export interface EngineOptions {
  readonly entrypoint: string;
  readonly memoryInitialPages: number;
  readonly memoryMaxPages: number;
}

/**
 * Compiles a bundle's policy.wasm into a fresh opa-wasm instance with bounded linear memory and
 * its data loaded. Fails with `bundle_error` when the module does not load or lacks the
 * configured entrypoint, so a broken bundle is refused when it loads, not when it first decides.
 */
export async function createPolicyEngine(bundle: Bundle, options: EngineOptions): Promise<PolicyEngine> {
  let policy: LoadedPolicy;
  try {
    policy = await loadPolicy(bundle.wasm, { initial: options.memoryInitialPages, maximum: options.memoryMaxPages });
    policy.setData(bundle.data);
  } catch (err) {
    throw new SidecarError('bundle_error', `bundle policy could not be loaded: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      expose: true,
    });
  }
  const entrypoints = Object.keys(policy.entrypoints as Record<string, number>);
  if (!entrypoints.includes(options.entrypoint)) {
    throw new SidecarError(
      'bundle_error',
      `bundle has no entrypoint '${options.entrypoint}' (it has: ${entrypoints.join(', ') || 'none'}); build with \`opa build -t wasm -e ${options.entrypoint}\``,
      { expose: true },
    );
  }
  const entrypointId = (policy.entrypoints as Record<string, number>)[options.entrypoint]!;

  const evaluate = (input: unknown, entrypoint: string | number): unknown => {
    let resultSet: unknown;
    try {
      resultSet = policy.evaluate(input, entrypoint);
    } catch (err) {
      // opa_abort throws plain strings; memory exhaustion throws RangeError.
      throw new SidecarError('policy_error', `policy evaluation failed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    return Array.isArray(resultSet) && resultSet.length > 0 ? (resultSet[0] as { result?: unknown }).result : undefined;
  };

  return {
    revision: bundle.manifest.revision,
    entrypoints,
    decide(input) {
      return interpret(evaluate(input, entrypointId));
    },
    evaluate(input, entrypoint) {
      if (!entrypoints.includes(entrypoint)) throw new SidecarError('not_found', `no entrypoint '${entrypoint}' in the active bundle`);
      return evaluate(input, entrypoint);
    },
  };
}

/** A boolean, or `{allow, reasons}`; anything else (including undefined) denies. */
function interpret(result: unknown): PolicyResult {
  if (result === true) return { allow: true, reasons: undefined };
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    const r = result as { allow?: unknown; reasons?: unknown };
    const reasons = Array.isArray(r.reasons) ? r.reasons.filter((x): x is string => typeof x === 'string') : undefined;
    return { allow: r.allow === true, reasons };
  }
  return { allow: false, reasons: undefined };
}
