import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/bundles.ts';
import { withSidecar, type IdpAndSidecar } from '../helpers/with-sidecar.ts';
import { todoVerdict } from './interop-runner.ts';

/**
 * Every case of the official AuthZEN Todo interop (test/fixtures/authzen/todo/, all three payload
 * versions), through HTTP against bundles/authzen-todo.tar.gz, judged by upstream's comparison. The
 * enforcement point authenticates as upstream's runner does, with its API key in the Authorization
 * header (here authzen.pepToken), and asserts each subject (trust mode `pep`).
 */

const PEP_TOKEN = 'todo-interop-pep-credential-0123456789abcdef';
const FIXTURES = join(ROOT, 'test/fixtures/authzen/todo');
const VERSIONS = ['00', '01', '02'] as const;

interface Case { request: unknown; expected: unknown }
const load = (v: string): { evaluation?: Case[]; evaluations?: Case[] } =>
  JSON.parse(readFileSync(join(FIXTURES, `decisions-authorization-api-1_0-${v}.json`), 'utf8'));

let env: IdpAndSidecar;
before(async () => {
  env = await withSidecar({
    'policy.bundle': join(ROOT, 'bundles/authzen-todo.tar.gz'),
    'policy.entrypoint': 'authzen/todo/evaluation',
    'authzen.enabled': true,
    'authzen.entrypoint': 'authzen/todo/evaluation',
    'authzen.searchEntrypoint': 'authzen/todo/candidates',
    'authzen.trust': ['pep'],
    'authzen.pepToken': PEP_TOKEN,
  });
});
after(() => env.close());

/** What upstream's runner does for one case: POST the request with the API key, read the JSON. */
async function execute(endpoint: 'evaluation' | 'evaluations', request: unknown): Promise<{ status: number; data: any }> {
  const res = await fetch(`${env.sc.url}/access/v1/${endpoint}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${PEP_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  return { status: res.status, data: await res.json() };
}

for (const version of VERSIONS) {
  test(`AuthZEN Todo interop authorization-api-1_0-${version}: every case passes upstream's comparison`, async () => {
    const file = load(version);
    const verdicts: string[] = [];
    for (const [endpoint, cases] of [['evaluation', file.evaluation ?? []], ['evaluations', file.evaluations ?? []]] as const) {
      for (const c of cases) {
        const { status, data } = await execute(endpoint, c.request);
        const verdict = todoVerdict(endpoint, data, c.expected);
        verdicts.push(verdict);
        assert.equal(status, 200, `${endpoint} ${JSON.stringify(c.request)} answered ${status} ${JSON.stringify(data)}`);
        assert.equal(verdict, 'PASS', `${endpoint} ${JSON.stringify(c.request)}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(data)}`);
      }
    }
    const expectedCount = (file.evaluation?.length ?? 0) + (file.evaluations?.length ?? 0);
    assert.equal(verdicts.length, expectedCount);
    assert.ok(expectedCount >= 40, 'the fixture holds the published cases');
  });
}

test('the Todo interop cases are refused without the enforcement point\'s credential (trust: pep only)', async () => {
  const [c] = load('01').evaluation!;
  for (const authorization of [undefined, 'Bearer not-the-pep-credential-0123456789abcdef']) {
    const res = await fetch(`${env.sc.url}/access/v1/evaluation`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(c!.request),
    });
    const body = (await res.json()) as { code: string };
    assert.equal(res.status, 401);
    assert.equal(body.code, authorization ? 'pep_unauthorized' : 'missing_token');
  }
});
