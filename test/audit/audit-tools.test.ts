import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { startTestSidecar, type TestSidecar } from '../helpers/test-sidecar.ts';
import { buildBundle, ROOT, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { replayLog } from '../../src/audit/replay-log.ts';
import { eventMatcher, globToRegExp, parseTime, type EventFilter } from '../../src/audit/event-filter.ts';
import { readEvents } from '../../src/audit/read-log.ts';
import { createSummarizer } from '../../src/audit/summarize-log.ts';

/** The sample policy with changed grants: orders-viewer may also DELETE orders; admin only keeps /api/orders/**. */
function candidateBundle(): string {
  const dir = tempDir('authz-candidate-');
  copyFileSync(join(ROOT, 'rego/authz/policy.rego'), join(dir, 'policy.rego'));
  const data = JSON.parse(readFileSync(join(ROOT, 'rego/authz/data.json'), 'utf8'));
  data.role_grants['orders-viewer'] = [{ methods: ['GET', 'DELETE'], path: '/api/orders/**' }];
  data.role_grants['admin'] = [{ methods: ['*'], path: '/api/orders/**' }];
  writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
  return buildBundle(dir, join(dir, 'candidate.tar.gz'), 'authz');
}

describe('audit query, stats and replay over a log written by the real sidecar', () => {
  let idp: TestIdp;
  let sc: TestSidecar;
  const ids: Record<string, string> = {};
  let log: string;
  before(async () => {
    idp = await startTestIdp();
    sc = await startTestSidecar(idp.issuer);
    const [alice, bob, gina] = await Promise.all([idp.token('alice'), idp.token('bob'), idp.token('gina')]);
    const decide = async (name: string, token: string, body: object, headers: Record<string, string> = {}) => {
      ids[name] = (await sc.authorize(token, body, headers)).body.decision_id;
    };
    await decide('bob-get', bob, { method: 'GET', path: '/api/orders/1' });
    await decide('bob-delete', bob, { method: 'DELETE', path: '/api/orders/1' });
    await decide('gina-delete', gina, { method: 'DELETE', path: '/api/orders/2' });
    await decide('alice-users', alice, { method: 'GET', path: '/api/users/7' });
    await decide('alice-orders', alice, { method: 'DELETE', path: '/api/orders/3' });
    await decide('bob-users', bob, { method: 'GET', path: '/api/users/7', context: { headers: { authorization: `Bearer ${bob}` } } });
    await decide('garbage', 'garbage', { method: 'GET', path: '/api/orders/1' });
    await sc.stop();
    log = sc.decisionLogPath;
  });
  after(async () => {
    await idp.stop();
  });

  const select = async (filter: EventFilter): Promise<string[]> => {
    const match = eventMatcher(filter);
    const out: string[] = [];
    for await (const { event } of readEvents([log])) if (match(event)) out.push(String(event['decision_id']));
    return out;
  };

  it('query selects by subject, result, path, method, time range and decision id', async () => {
    assert.deepEqual(await select({ subject: 'bob' }), [ids['bob-get'], ids['bob-delete'], ids['bob-users']]);
    assert.deepEqual(await select({ result: 'allow' }), [ids['bob-get'], ids['alice-users'], ids['alice-orders']]);
    assert.deepEqual(await select({ result: 'error' }), [ids['garbage']]);
    assert.deepEqual(await select({ result: 'deny', subject: 'bob' }), [ids['bob-delete'], ids['bob-users']]);
    assert.deepEqual(await select({ path: '/api/users/*' }), [ids['alice-users'], ids['bob-users']]);
    assert.deepEqual(await select({ path: '/api/orders/**', method: 'delete' }), [ids['bob-delete'], ids['gina-delete'], ids['alice-orders']]);
    assert.deepEqual(await select({ decisionId: ids['gina-delete']! }), [ids['gina-delete']]);
    assert.equal((await select({ since: parseTime('1h')! })).length, 7);
    assert.equal((await select({ until: parseTime('1h')! })).length, 0);
  });

  it('stats counts allows, denies and errors and ranks the most denied paths and subjects', async () => {
    const s = createSummarizer();
    for await (const { event } of readEvents([log])) s.add(event);
    const r = s.result(2);
    assert.deepEqual([r.decisions, r.allow, r.deny, r.errors], [7, 3, 4, 1]);
    assert.deepEqual(r.errorCodes, [['invalid_token', 1]]);
    assert.deepEqual(r.topDeniedSubjects, [['bob', 2], ['(no verified subject)', 1]], 'ties in name order');
    assert.deepEqual(r.topDeniedPaths, [['DELETE /api/orders/1', 1], ['DELETE /api/orders/2', 1]]);
    assert.equal(r.revisions.length, 1);
  });

  it('replay against the bundle that decided reproduces every logged decision', async () => {
    const r = await replayLog([log], { bundle: SAMPLE_BUNDLE });
    assert.deepEqual([r.selected, r.replayed, r.unchanged, r.allowToDeny, r.denyToAllow, r.reasonsChanged, r.notReplayable], [7, 6, 6, 0, 0, 0, 1]);
    assert.equal(r.entrypoint, 'authz/decision');
  });

  it('replay against a candidate bundle reports exactly the decisions that would change, and which way', async () => {
    const r = await replayLog([log], { bundle: candidateBundle() });
    assert.deepEqual([r.replayed, r.allowToDeny, r.denyToAllow, r.notReplayable], [6, 1, 2, 1]);
    const changed = Object.fromEntries(r.changes.map((c) => [c.decision_id, `${c.before.allow}->${c.after.allow}`]));
    assert.deepEqual(changed, {
      [ids['bob-delete']!]: 'false->true',
      [ids['gina-delete']!]: 'false->true',
      [ids['alice-users']!]: 'true->false',
    });
    const alice = r.changes.find((c) => c.decision_id === ids['alice-users'])!;
    assert.equal(alice.subject, 'alice');
    assert.equal(alice.request, 'GET /api/users/7');
    assert.deepEqual(alice.after.reasons, ['no grant matches GET /api/users/7']);
    assert.notEqual(r.revision, r.loggedRevisions[0]![0]);
  });

  it('replay flags inputs that masking changed (here: a token in the context was erased)', async () => {
    const r = await replayLog([log], { bundle: SAMPLE_BUNDLE, filter: { subject: 'bob' } });
    assert.equal(r.selected, 3);
    assert.equal(r.maskedInputs, 1);
    const raw = readFileSync(log, 'utf8');
    assert.ok(!raw.includes('eyJ'), 'no token reached the log');
    assert.match(raw, /"erased":\["\/input\/context\/headers\/authorization"\]/);
  });
});

describe('path globs and times', () => {
  it('matches * within a segment and ** across, including the prefix itself', () => {
    const g = globToRegExp('/api/orders/**');
    assert.ok(g.test('/api/orders') && g.test('/api/orders/1') && g.test('/api/orders/1/items'));
    assert.ok(!g.test('/api/ordersX') && !g.test('/api'));
    const one = globToRegExp('/api/*/7');
    assert.ok(one.test('/api/users/7') && !one.test('/api/a/b/7'));
    assert.ok(globToRegExp('/a.b').test('/a.b') && !globToRegExp('/a.b').test('/aXb'));
  });

  it('reads ISO times and durations before now', () => {
    const now = Date.parse('2026-01-02T00:00:00Z');
    assert.equal(parseTime('2h', now)!.toISOString(), '2026-01-01T22:00:00.000Z');
    assert.equal(parseTime('7d', now)!.toISOString(), '2025-12-26T00:00:00.000Z');
    assert.equal(parseTime('2026-01-01T10:00:00Z', now)!.toISOString(), '2026-01-01T10:00:00.000Z');
    assert.equal(parseTime('yesterday', now), undefined);
  });
});
