import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMetrics } from '../../src/metrics/sidecar-metrics.ts';
import { ROOT } from '../helpers/bundles.ts';

it('docs/metrics.md documents exactly the authz_* metrics the registry defines, with their types', async () => {
  const registered = new Map((await createMetrics().registry.getMetricsAsJSON()).filter((m) => m.name.startsWith('authz_')).map((m) => [m.name, String(m.type)]));
  const doc = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');
  const documented = new Map([...doc.matchAll(/^\| `(authz_[a-z_]+)` \| (counter|gauge|histogram|summary) \|/gm)].map((m) => [m[1]!, m[2]!]));
  assert.deepEqual([...documented.keys()].sort(), [...registered.keys()].sort());
  for (const [name, type] of registered) assert.equal(documented.get(name), type, name);
  for (const name of registered.keys()) {
    assert.match(name, /^authz_[a-z_]+$/, 'snake_case with the authz_ prefix');
    if (registered.get(name) === 'counter') assert.match(name, /_total$/, `${name}: counters end in _total`);
  }
});
