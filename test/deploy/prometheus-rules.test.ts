import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, tempDir } from '../helpers/bundles.ts';
import { shortenRules } from '../chaos/prometheus.ts';

const RULES = join(ROOT, 'deploy/prometheus/authz-sidecar-rules.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/authz-sidecar-dashboard.json');
/** Every metric the sidecar exports, by name (src/metrics/sidecar-metrics.ts and its helpers). */
const EXPORTED = new Set(
  [readFileSync(join(ROOT, 'src/metrics/sidecar-metrics.ts'), 'utf8')].flatMap((src) => [...src.matchAll(/name: '(authz_[a-z_]+)'/g)].map((m) => m[1]!)),
);
const promtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();

/** authz_* names an expression uses (histograms through their _bucket series). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(authz_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

describe('deploy/prometheus alerting rules and deploy/grafana dashboard', () => {
  const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);

  it('alert on metrics the sidecar exports, each with a summary', () => {
    assert.ok(rules.length >= 10);
    for (const r of rules) for (const name of metricsIn(r.expr)) assert.ok(EXPORTED.has(name), `${r.alert} uses ${name}, which src/metrics does not export`);
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    for (const p of dashboard.panels) for (const t of p.targets) for (const name of metricsIn(t.expr)) assert.ok(EXPORTED.has(name), `the dashboard uses ${name}`);
  });

  it('pass promtool check rules, as shipped and as the chaos run shortens them', { skip: !promtool && process.env['CI'] !== 'true' ? 'promtool is missing (scripts/install-prometheus.sh)' : false }, () => {
    const short = join(tempDir(), 'short.yml');
    writeFileSync(short, shortenRules(readFileSync(RULES, 'utf8'), '10s'));
    for (const file of [RULES, short]) {
      const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${file}:\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
    }
  });
});
