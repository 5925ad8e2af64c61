import { SidecarError } from '../errors/sidecar-error.ts';
import type { Bundle } from './read-bundle.ts';
import { HOST_BUILTINS, UNSUPPORTED_BUILTINS } from './builtins/host-builtins.ts';
import { newEvalContext } from './builtins/eval-context.ts';
import { loadWasmPolicy, type WasmPolicy } from './wasm/load-wasm-policy.ts';
import { relevantRolesOf, type RelevantRoles } from './relevant-roles-of.ts';
import { stringifyMembers } from '../lib/frozen-json.ts';

const utf8 = new TextEncoder();

export interface PolicyResult {
  readonly allow: boolean;
  readonly reasons: readonly string[] | undefined;
}

export interface PolicyEngine {
  readonly revision: string;
  readonly entrypoints: readonly string[];
  /**
   * The only roles the policy can grant on: the bundle's `data.<package>.authz_sidecar.relevant_roles`,
   * or the data path in `policy.relevantRoles` (see relevant-roles-of.ts). Undefined when neither
   * (or `policy.relevantRoles: "*"`): the policy sees every role.
   */
  readonly relevantRoles: ReadonlySet<string> | undefined;
  /** Where `relevantRoles` came from (`data.authz.authz_sidecar.relevant_roles`) and how (declared by the bundle, or configured). */
  readonly relevantRolesSource: Omit<RelevantRoles, 'names'> | undefined;
  /** Builtins the policy imports from the host (all supported, or the bundle was refused). */
  readonly builtins: readonly string[];
  /** Evaluates the configured entrypoint; deny unless the policy says exactly `true`. */
  decide(input: unknown): PolicyResult;
  /** The configured entrypoint's result as the policy gave it (undefined when the rule is undefined), for front doors that read richer results (ext_authz). */
  result(input: unknown): unknown;
  /**
   * Evaluates any entrypoint and returns OPA's result (undefined when the rule is undefined),
   * with sets as sorted arrays, as `opa eval` and OPA's REST API return them.
   */
  evaluate(input: unknown, entrypoint: string): unknown;
}

export interface EngineOptions {
  readonly entrypoint: string;
  /**
   * `policy.relevantRoles`: a data path (`authz/role_grants`) whose keys or string items are the roles
   * the policy uses, or `*` for every role; unset: the bundle's own declaration, if any.
   */
  readonly relevantRoles?: string | undefined;
  readonly memoryInitialPages: number;
  readonly memoryMaxPages: number;
}

/**
 * Compiles a bundle's policy.wasm into a fresh instance with bounded linear memory and its data
 * loaded. Fails with `bundle_error` when the module does not load, imports a builtin the sidecar
 * does not implement (naming it), or lacks the configured entrypoint, so a broken bundle is
 * refused when it loads, not when it first decides.
 */
export async function createPolicyEngine(bundle: Bundle, options: EngineOptions): Promise<PolicyEngine> {
  let policy: WasmPolicy;
  try {
    policy = await loadWasmPolicy(bundle.wasm, { initial: options.memoryInitialPages, maximum: options.memoryMaxPages }, HOST_BUILTINS);
  } catch (err) {
    if (err instanceof SidecarError) throw err;
    throw new SidecarError('bundle_error', `bundle policy could not be loaded: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      expose: true,
    });
  }
  const missing = policy.builtins.filter((name) => HOST_BUILTINS[name] === undefined);
  if (missing.length > 0) {
    const why = missing.filter((name) => UNSUPPORTED_BUILTINS[name] !== undefined).map((name) => `; ${name}: ${UNSUPPORTED_BUILTINS[name]}`);
    throw new SidecarError(
      'bundle_error',
      `bundle policy uses builtins this sidecar does not implement: ${missing.join(', ')}${why.join('')} (see docs/policy-lifecycle.md#builtins)`,
      { expose: true },
    );
  }
  try {
    policy.setData(bundle.data);
  } catch (err) {
    throw new SidecarError('bundle_error', `bundle data could not be loaded: ${err instanceof Error ? err.message : String(err)}`, { cause: err, expose: true });
  }
  const entrypoints = Object.keys(policy.entrypoints);
  if (!entrypoints.includes(options.entrypoint)) throw new SidecarError('bundle_error', missingEntrypoint(options.entrypoint, entrypoints), { expose: true });
  const entrypointId = policy.entrypoints[options.entrypoint]!;
  const relevant = relevantRolesOf(bundle.data, options.entrypoint, options.relevantRoles);

  const evaluate = (input: unknown, id: number): unknown => {
    let resultSet: { result?: unknown }[];
    try {
      resultSet = input === undefined ? policy.evaluate(input, id, newEvalContext()) : policy.evaluateEncoded(utf8.encode(stringifyMembers(input) ?? ''), id, newEvalContext());
    } catch (err) {
      // opa_abort (conflicts, errors in strict builtins) and memory exhaustion (RangeError).
      throw new SidecarError('policy_error', `policy evaluation failed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    return resultSet.length > 0 ? resultSet[0]!.result : undefined;
  };

  return {
    revision: bundle.manifest.revision,
    relevantRoles: relevant?.names,
    relevantRolesSource: relevant && { from: relevant.from, kind: relevant.kind },
    entrypoints,
    builtins: policy.builtins,
    decide(input) {
      return interpret(evaluate(input, entrypointId));
    },
    result(input) {
      return evaluate(input, entrypointId);
    },
    evaluate(input, entrypoint) {
      const id = policy.entrypoints[entrypoint];
      if (id === undefined || !Object.hasOwn(policy.entrypoints, entrypoint)) {
        throw new SidecarError('not_found', `no entrypoint '${entrypoint}' in the active bundle`);
      }
      return evaluate(input, id);
    },
  };
}

/** A boolean, or `{allow, reasons}`; anything else (including undefined) denies. */
export function interpret(result: unknown): PolicyResult {
  if (result === true) return { allow: true, reasons: undefined };
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    const r = result as { allow?: unknown; reasons?: unknown };
    const reasons = Array.isArray(r.reasons) ? r.reasons.filter((x): x is string => typeof x === 'string') : undefined;
    return { allow: r.allow === true, reasons };
  }
  return { allow: false, reasons: undefined };
}

/**
 * What a newcomer needs when the configured entrypoint is not in the bundle: the ones it has, a guess for the
 * usual slips (`authz.decision`, `data.authz.decision`, the package alone), and the two ways to fix it.
 */
export function missingEntrypoint(wanted: string, has: readonly string[]): string {
  const slashed = wanted.replace(/^data[./]/, '').replace(/\./g, '/');
  const guess = [slashed, `${slashed}/decision`, `${slashed}/allow`].find((g) => g !== wanted && has.includes(g));
  return (
    `bundle has no entrypoint '${wanted}' (it has: ${has.join(', ') || 'none'})` +
    (guess ? `; did you mean '${guess}'?` : '') +
    ` Set policy.entrypoint (AUTHZ_ENTRYPOINT) to one of them, or build the bundle with \`opa build -t wasm -e ${wanted}\``
  );
}
