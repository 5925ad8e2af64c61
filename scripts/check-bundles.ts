/**
 * Proves that the committed bundles are exactly what rego/ builds to: each rego/<name>/ is rebuilt with the
 * pinned opa into a temporary directory, and the files inside the new tarball are compared, by name and
 * content, with the files inside bundles/<name>.tar.gz. Tar headers (timestamps, modes) and gzip bytes are not
 * compared. `npm run check:bundles`; CI runs it on the fresh clone before anything rebuilds the bundles.
 *
 * The bundles are committed so that `npm start` needs neither opa nor Go (bundles/README.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBundle } from '../src/policy/read-bundle.ts';

/** What differs between two bundles' files: one line per file missing, added or changed. */
export function diffBundleFiles(committed: ReadonlyMap<string, Buffer>, built: ReadonlyMap<string, Buffer>): string[] {
  const diffs: string[] = [];
  for (const [path, content] of built) {
    const old = committed.get(path);
    if (old === undefined) diffs.push(`${path}: missing from the committed bundle`);
    else if (!old.equals(content)) diffs.push(`${path}: differs (committed ${old.length} bytes, built ${content.length} bytes)`);
  }
  for (const path of committed.keys()) if (!built.has(path)) diffs.push(`${path}: in the committed bundle, not in the build`);
  return diffs;
}

/** Every problem with the committed bundles under `root` (empty when each matches its rebuild). */
export function checkCommittedBundles(root: string, log: (line: string) => void = () => {}): string[] {
  const policies = readdirSync(join(root, 'rego')).filter((n) => statSync(join(root, 'rego', n)).isDirectory());
  const problems: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'check-bundles-'));
  try {
    for (const name of policies) {
      const committed = join(root, 'bundles', `${name}.tar.gz`);
      if (!existsSync(committed)) {
        problems.push(`bundles/${name}.tar.gz is missing: run \`npm run build:policies\` and commit it`);
        continue;
      }
      const built = join(work, `${name}.tar.gz`);
      execFileSync('bash', [join(root, 'scripts/build-policies.sh'), join(root, 'rego', name), built, name], {
        env: { ...process.env, FORCE: '1', SIGNING_KEY: '' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const diffs = diffBundleFiles(readBundle(readFileSync(committed)).files, readBundle(readFileSync(built)).files);
      for (const d of diffs) problems.push(`bundles/${name}.tar.gz ${d}`);
      log(`check-bundles: bundles/${name}.tar.gz ${diffs.length === 0 ? 'matches its rebuild from' : 'DIFFERS from'} rego/${name}/`);
    }
    const orphans = readdirSync(join(root, 'bundles')).filter((f) => f.endsWith('.tar.gz') && !policies.includes(basename(f, '.tar.gz')));
    for (const f of orphans) problems.push(`bundles/${f} has no policy directory rego/${basename(f, '.tar.gz')}/`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkCommittedBundles(resolve(dirname(fileURLToPath(import.meta.url)), '..'), (l) => console.error(l));
  for (const p of problems) console.error(`check-bundles: ${p}`);
  if (problems.length > 0) {
    console.error('check-bundles: the committed bundles are not what rego/ builds to: run `npm run build:policies` and commit bundles/');
    process.exit(1);
  }
  console.error('check-bundles: every committed bundle is exactly what rego/ builds to');
}
