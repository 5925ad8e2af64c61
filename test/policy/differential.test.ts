import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle } from '../../src/policy/load-bundle.ts';
import type { PolicyEngine } from '../../src/policy/policy-engine.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { isRawJson, parseJsonExact } from '../../src/policy/wasm/rego-value.ts';
import { pinnedOpa, ROOT, tempDir } from '../helpers/bundles.ts';
import { HOST_BUILTINS } from '../../src/policy/builtins/host-builtins.ts';

/**
 * Same decisions as OPA: every policy/input pair of test/fixtures/differential is evaluated by
 * the real `opa eval` (from the Rego source) and by the sidecar's engine (Wasm compiled by
 * `opa build -t wasm`, our host builtins), and the results must be identical.
 */
const DIR = join(ROOT, 'test/fixtures/differential');
const OPA = pinnedOpa();

interface Case {
  readonly policy: string;
  readonly input: unknown;
  readonly error?: boolean;
  readonly note?: string;
}

const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Case[];
const policies = readdirSync(DIR).filter((f) => f.endsWith('.rego')).map((f) => f.slice(0, -5));

describe('differential: opa eval vs the sidecar engine', () => {
  let engine: PolicyEngine;
  let expected: unknown[];

  before(async () => {
    const out = join(tempDir(), 'diff.tar.gz');
    execFileSync(OPA, ['build', '-t', 'wasm', ...policies.flatMap((p) => ['-e', `diff/${p}`]), '--ignore', 'cases.json', '-o', out, '.'], { cwd: DIR });
    engine = await loadBundle(readFileSync(out), { entrypoint: `diff/${policies[0]}`, memoryInitialPages: 5, memoryMaxPages: 256, verifier: undefined });
    // One opa process evaluates every non-error case: [[x | x := data.diff.<p> with input as <input>], ...].
    const query = `[${cases
      .filter((c) => !c.error)
      .map((c) => `[x | x := data.diff.${c.policy} with input as ${JSON.stringify(c.input)}]`)
      .join(', ')}]`;
    const stdout = execFileSync(OPA, ['eval', '-d', '.', '--ignore', 'cases.json', '-f', 'json', query], { cwd: DIR, encoding: 'utf8', maxBuffer: 64 << 20 });
    expected = (parseJsonExact(stdout, 'raw') as { result: { expressions: { value: unknown[] }[] }[] }).result[0]!.expressions[0]!.value;
  });

  it(`has at least 90 policy/input pairs covering ${policies.length} policies`, () => {
    assert.ok(cases.length >= 90, `${cases.length} cases`);
    assert.deepEqual(new Set(cases.map((c) => c.policy)), new Set(policies));
  });

  it('imports every host builtin the sidecar implements, so each is compared against OPA', () => {
    // cast_* are deprecated: the Rego v1 compiler refuses them, so only OPA's own v0 cases reach them.
    const missing = Object.keys(HOST_BUILTINS).filter((b) => !b.startsWith('cast_') && !engine.builtins.includes(b));
    assert.deepEqual(missing, [], 'builtins not exercised by test/fixtures/differential');
  });

  it('gives identical results for every pair', () => {
    const ok = cases.filter((c) => !c.error);
    const mismatches: string[] = [];
    ok.forEach((c, i) => {
      const want = canonical(expected[i]);
      let got: string;
      try {
        const v = engine.evaluate(c.input, `diff/${c.policy}`);
        got = canonical(v === undefined ? [] : [v]);
      } catch (err) {
        got = `error: ${(err as Error).message}`;
      }
      if (got !== want) mismatches.push(`#${i} ${c.policy} ${c.note ?? ''} ${JSON.stringify(c.input)}\n  opa eval: ${want}\n  sidecar:  ${got}`);
    });
    assert.equal(mismatches.length, 0, `\n${mismatches.join('\n')}`);
  });

  it('fails where OPA fails (rule conflicts), with policy_error', () => {
    for (const c of cases.filter((x) => x.error)) {
      const r = spawnSync(OPA, ['eval', '-d', '.', '--ignore', 'cases.json', '-f', 'json', '-I', `data.diff.${c.policy}`], { cwd: DIR, input: JSON.stringify(c.input), encoding: 'utf8' });
      assert.notEqual(r.status, 0, 'opa eval fails');
      assert.match(r.stdout + r.stderr, /conflict/);
      assert.throws(() => engine.evaluate(c.input, `diff/${c.policy}`), (e: unknown) => e instanceof SidecarError && e.code === 'policy_error');
    }
  });
});

/** JSON with object keys sorted, so key order does not count (it does not in OPA either). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x) || isRawJson(x)) return x;
    return Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
