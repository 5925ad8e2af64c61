import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';
import { withSidecar, type IdpAndSidecar } from '../helpers/with-sidecar.ts';
import { searchVerdict } from './interop-runner.ts';

/**
 * Every published result of the official AuthZEN Search interop (test/fixtures/authzen/search/),
 * through HTTP against bundles/authzen-search.tar.gz, judged by the test harness's comparison, sent
 * as the harness sends it (the API key in the Authorization header: here authzen.pepToken).
 */

const PEP_TOKEN = 'search-interop-pep-credential-0123456789abcdef';
const KINDS = ['subject', 'resource', 'action'] as const;

interface Case { request: unknown; expected: { results: { type?: string; id?: string; name?: string }[] } }
const load = (kind: string): Case[] =>
  (JSON.parse(readFileSync(join(ROOT, 'test/fixtures/authzen/search', kind, 'results.json'), 'utf8')) as { evaluation: Case[] }).evaluation;

let env: IdpAndSidecar;
before(async () => {
  env = await withSidecar({
    'policy.bundle': join(ROOT, 'bundles/authzen-search.tar.gz'),
    'policy.entrypoint': 'authzen/search/evaluation',
    'authzen.enabled': true,
    'authzen.entrypoint': 'authzen/search/evaluation',
    'authzen.searchEntrypoint': 'authzen/search/candidates',
    'authzen.trust': ['pep'],
    'authzen.pepToken': PEP_TOKEN,
  });
});
after(() => env.close());

for (const kind of KINDS) {
  test(`AuthZEN Search interop, ${kind} search: every published result passes the harness's comparison`, async () => {
    const cases = load(kind);
    assert.ok(cases.length >= 18, 'the fixture holds the published cases');
    let passed = 0;
    for (const c of cases) {
      const res = await fetch(`${env.sc.url}/access/v1/search/${kind}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${PEP_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(c.request),
      });
      const data = await res.json();
      assert.equal(res.status, 200, `${JSON.stringify(c.request)} answered ${res.status} ${JSON.stringify(data)}`);
      assert.equal(searchVerdict(data || [], c.expected), 'PASS', `${JSON.stringify(c.request)}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(data)}`);
      passed++;
    }
    assert.equal(passed, cases.length);
  });
}
