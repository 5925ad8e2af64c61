import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { accessSync, constants, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE_BUNDLE = join(ROOT, 'bundles/authz.tar.gz');
export const FIXTURE_POLICIES = join(ROOT, 'test/fixtures/policies');

export interface SigningOptions {
  /** PEM private key file, or the HMAC secret itself (as `opa build --signing-key` takes it). */
  readonly key: string;
  readonly alg?: string;
  /** Extra claims for the signature, for example `{scope: 'write'}`. */
  readonly claims?: Record<string, unknown>;
}

/**
 * Builds a policy directory into a bundle with the real pinned `opa build -t wasm` (signed when
 * asked), with the entrypoints `<pkg>/decision` and `<pkg>/allow`, or those given.
 */
export function buildBundle(srcDir: string, out: string, pkg = 'authz', signing?: SigningOptions, entrypoints?: readonly string[]): string {
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  if (entrypoints) env['ENTRYPOINTS'] = entrypoints.join(' ');
  if (signing) {
    env['SIGNING_KEY'] = signing.key;
    env['SIGNING_ALG'] = signing.alg ?? 'RS256';
    if (signing.claims) {
      const claims = join(tempDir(), 'claims.json');
      writeFileSync(claims, JSON.stringify(signing.claims));
      env['SIGNING_CLAIMS'] = claims;
    }
  }
  execFileSync('bash', [join(ROOT, 'scripts/build-policies.sh'), srcDir, out, pkg], { stdio: ['ignore', 'ignore', 'pipe'], env });
  return out;
}

/** An RSA key pair as PEM files (private for `opa build --signing-key`, public for the sidecar). */
export function rsaKeyFiles(dir = tempDir()): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const priv = join(dir, 'bundle-signing.pem');
  const pub = join(dir, 'bundle-verify.pem');
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey: priv, publicKey: pub };
}

/**
 * The pinned opa CLI (.tools/bin/opa), installed by scripts/install-opa.sh when missing; when it cannot be
 * installed (no Go), throws with the script's message, which says what to install.
 */
export function pinnedOpa(): string {
  const opa = join(ROOT, '.tools/bin/opa');
  try {
    accessSync(opa, constants.X_OK);
  } catch {
    const r = spawnSync('bash', [join(ROOT, 'scripts/install-opa.sh')], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`this test needs the pinned opa:\n${r.stderr}`);
  }
  return opa;
}

export function tempDir(prefix = 'authz-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
