import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_BUILTINS, UNSUPPORTED_BUILTINS } from '../../src/policy/builtins/host-builtins.ts';
import { loadWasmPolicy } from '../../src/policy/wasm/load-wasm-policy.ts';
import { readBundle } from '../../src/policy/read-bundle.ts';
import { ROOT, tempDir } from '../helpers/bundles.ts';

/**
 * Every builtin the pinned OPA's Wasm target leaves to the host is either implemented or listed,
 * with its reason, as deliberately unsupported. The list comes from the real compiler: a policy
 * calling every builtin of `opa capabilities --current` is built with `opa build -t wasm`, and
 * the module's own `builtins()` export names what it imports.
 */
const OPA = join(ROOT, '.tools/bin/opa');

interface Capability {
  readonly name: string;
  readonly decl: { readonly args?: readonly unknown[]; readonly result?: unknown };
}

describe('host builtin coverage (the pinned OPA Wasm target)', () => {
  let imported: readonly string[];

  before(async () => {
    const caps = JSON.parse(execFileSync(OPA, ['capabilities', '--current'], { encoding: 'utf8', maxBuffer: 16 << 20 })) as { builtins: Capability[] };
    // Builtins without a result (print), operators and unification do not compile as value calls; none is a host import.
    const callable = caps.builtins.filter(
      (b) => b.decl.result !== undefined && /^[a-z_][a-z0-9_.]*$/.test(b.name) && !b.name.startsWith('internal.') && b.name !== 'eq' && b.name !== 'assign',
    );
    const dir = join(tempDir(), 'all-builtins');
    mkdirSync(dir, { recursive: true });
    const rules = callable.map((b, i) => `r${i} := ${b.name}(${(b.decl.args ?? []).map((_, j) => `input.a${j}`).join(', ')})`);
    writeFileSync(join(dir, 'all.rego'), `package all\n\n${rules.join('\n')}\n`);
    const out = join(dir, 'all.tar.gz');
    // v0-compatible: the deprecated builtins (cast_*) are refused by the v1 compiler but still imported by v0 bundles.
    execFileSync(OPA, ['build', '--v0-compatible', '-t', 'wasm', '-e', 'all', '-o', out, dir], { encoding: 'utf8' });
    const policy = await loadWasmPolicy(readBundle(readFileSync(out)).wasm, { initial: 5, maximum: 64 }, {});
    imported = policy.builtins;
  });

  it('sees the host imports of the Wasm target (more than 90 of them)', () => {
    assert.ok(imported.length > 90, `${imported.length} imported`);
    assert.ok(imported.includes('http.send') && imported.includes('sprintf') && !imported.includes('count'));
  });

  it('implements every one, or lists it with a reason as deliberately unsupported', () => {
    const neither = imported.filter((b) => HOST_BUILTINS[b] === undefined && UNSUPPORTED_BUILTINS[b] === undefined);
    assert.deepEqual(neither, []);
  });

  it('lists as unsupported only builtins the target imports and the sidecar does not implement', () => {
    for (const name of Object.keys(UNSUPPORTED_BUILTINS)) {
      assert.ok(imported.includes(name), `${name} is a host import`);
      assert.equal(HOST_BUILTINS[name], undefined, `${name} is not implemented`);
    }
  });
});
