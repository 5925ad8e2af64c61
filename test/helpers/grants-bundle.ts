import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundle, ROOT, tempDir } from './bundles.ts';
import { GRANTS } from './generate-decision-log.ts';

/** A bundle of the sample policy (rego/authz/policy.rego) with one generated revision's grants, built by the real opa. */
export function grantsBundle(revision: string, dir = tempDir('authz-grants-')): string {
  copyFileSync(join(ROOT, 'rego/authz/policy.rego'), join(dir, 'policy.rego'));
  writeFileSync(join(dir, 'data.json'), JSON.stringify(GRANTS[revision]));
  return buildBundle(dir, join(dir, `grants-${revision}.tar.gz`));
}
