import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE_BUNDLE = join(ROOT, 'bundles/authz.tar.gz');
export const FIXTURE_POLICIES = join(ROOT, 'test/fixtures/policies');

/** Builds a policy directory into a bundle with the real pinned `opa build -t wasm`. */
export function buildBundle(srcDir: string, out: string, pkg = 'authz'): string {
  execFileSync('bash', [join(ROOT, 'scripts/build-policies.sh'), srcDir, out, pkg], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

export function tempDir(prefix = 'authz-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
