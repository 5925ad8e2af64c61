import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigDocs } from '../../scripts/gen-config-docs.ts';
import { ROOT } from '../helpers/bundles.ts';

it('docs/configuration.md matches src/config/spec.ts (run `npm run docs:config`)', () => {
  assert.equal(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8'), renderConfigDocs());
});
