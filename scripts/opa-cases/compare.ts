import { compareValues } from '../../src/policy/wasm/rego-value.ts';

/** One case as scripts/opa-cases/main.go writes it. */
export interface CompiledCase {
  readonly file: string;
  readonly note: string;
  readonly excepted?: string;
  readonly compileError?: string;
  readonly wasm?: string;
  readonly data?: Record<string, unknown>;
  readonly input?: string;
  readonly want: {
    readonly defined?: boolean;
    readonly result?: Record<string, unknown>[];
    readonly errorCode?: string;
    readonly error?: string;
    readonly sortBindings?: boolean;
    readonly strictError?: boolean;
  };
}

/** What one engine did with a case: a result set, or an error (its message). */
export type Outcome = { readonly resultSet: Record<string, unknown>[] } | { readonly error: string };

/**
 * OPA's verdict for one case, as its Wasm runner decides it (`assert` in
 * internal/wasm/sdk/test/e2e/external_test.go): undefined when the case passes, otherwise why not.
 */
export function judge(c: CompiledCase, got: Outcome): string | undefined {
  const w = c.want;
  if (w.defined !== undefined) {
    if ('error' in got) return `unexpected error: ${got.error}`;
    return got.resultSet.length > 0 === w.defined ? undefined : `expected ${w.defined ? 'defined' : 'undefined'}`;
  }
  if (w.result !== undefined) {
    if ('error' in got) return `unexpected error: ${got.error}`;
    return sameResultSet(w.result, got.resultSet, w.sortBindings === true) ? undefined : `expected ${show(w.result)} but got ${show(got.resultSet)}`;
  }
  if (w.errorCode !== undefined || w.error !== undefined) {
    // Wasm has no strict builtin errors: an error seen only in strict mode is an empty result.
    if (w.strictError) {
      if ('error' in got) return `unexpected error: ${got.error}`;
      return got.resultSet.length === 0 ? undefined : `expected an empty result but got ${show(got.resultSet)}`;
    }
    if (!('error' in got)) return `expected error, got result ${show(got.resultSet)}`;
    if (w.errorCode === 'eval_conflict_error' && /var assignment conflict|object insert conflict/.test(got.error)) return undefined;
    return `unmatched error: ${got.error} (expected ${w.errorCode})`;
  }
  return undefined;
}

/** Result sets compare as sets of binding objects; `sortBindings` sorts array bindings first. */
function sameResultSet(want: Record<string, unknown>[], got: Record<string, unknown>[], sortBindings: boolean): boolean {
  const norm = (rows: Record<string, unknown>[]): unknown[] => {
    const out = rows.map((row) =>
      sortBindings ? Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort(compareValues) : v])) : row,
    );
    out.sort(compareValues);
    return out.filter((x, i) => i === 0 || compareValues(out[i - 1], x) !== 0);
  };
  const a = norm(want);
  const b = norm(got);
  return a.length === b.length && a.every((x, i) => compareValues(x, b[i]) === 0);
}

function show(v: unknown): string {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
