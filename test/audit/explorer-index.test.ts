import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildLogIndex, type LogIndex } from '../../src/audit/explorer/log-index.ts';
import { selectRows } from '../../src/audit/explorer/query-index.ts';
import { summarizeRows } from '../../src/audit/explorer/summarize-rows.ts';
import { timelineOf } from '../../src/audit/explorer/timeline.ts';
import { readDecision } from '../../src/audit/explorer/read-decision.ts';
import { ALLOW_TO_DENY, startReplay } from '../../src/audit/explorer/replay-view.ts';
import { eventMatcher, type EventFilter } from '../../src/audit/event-filter.ts';
import { readEvents } from '../../src/audit/read-log.ts';
import { createSummarizer } from '../../src/audit/summarize-log.ts';
import { verifyLog } from '../../src/audit/verify-log.ts';
import { replayLog } from '../../src/audit/replay-log.ts';
import { loadPublicKey } from '../../src/decision-log/checkpoints.ts';
import { chainRecord } from '../../src/decision-log/hash-chain.ts';
import { generateDecisionLog, NEW_REVISION, OLD_REVISION, type GeneratedCounts } from '../helpers/generate-decision-log.ts';
import { grantsBundle } from '../helpers/grants-bundle.ts';
import { tempDir } from '../helpers/bundles.ts';

const FILTERS: EventFilter[] = [
  {},
  { subject: 'bob' },
  { result: 'deny' },
  { result: 'allow', subject: 'alice' },
  { result: 'error', errorCode: 'invalid_token' },
  { errorCode: 'claims_unavailable' },
  { path: '/api/orders/**', method: 'delete' },
  { path: '/api/*/1?' },
  { revision: NEW_REVISION, result: 'deny' },
  { reason: 'NO GRANT matches delete' },
  { since: new Date('2026-11-01T06:00:00Z'), until: new Date('2026-11-01T09:30:00Z') },
  { subject: 'mallory', reason: 'no role known' },
  { subject: 'nobody-at-all' },
];

describe('the explorer index answers as the audit commands do', () => {
  let dir: string;
  let files: string[];
  let counts: GeneratedCounts;
  let index: LogIndex;
  /** Every event with where it is, read once by the audit commands' reader. */
  const events: { where: string; event: Record<string, unknown> }[] = [];
  before(async () => {
    dir = tempDir('authz-explorer-index-');
    const pair = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'key.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    // Rotated at 1 MiB: the index must read the files in the writer's order, as verify does.
    counts = await generateDecisionLog({ out: join(dir, 'decisions.log'), events: 3000, spanMs: 86_400_000, maxBytes: 1024 * 1024, checkpointKey: join(dir, 'key.pem') });
    files = readdirSync(dir).filter((f) => f.startsWith('decisions.log')).map((f) => join(dir, f)).sort();
    index = await buildLogIndex(files, { key: loadPublicKey(join(dir, 'public.pem')) });
    for await (const e of readEvents(files)) events.push(e);
  });

  it('indexes every decision of every rotated file and verifies the chain in the same pass, as audit verify does', async () => {
    assert.ok(index.files.length >= 3, `rotated into ${index.files.length} files`);
    assert.equal(index.rows, 3000);
    assert.deepEqual(index.verify, await verifyLog(files, { key: loadPublicKey(join(dir, 'public.pem')) }));
    assert.equal(index.verify.ok, true);
    assert.ok(index.verify.checkpoints.valid > 0);
  });

  /** The fixed filters, and one decision by its id (found through a 32-bit hash, then confirmed). */
  const filters = (): EventFilter[] => [...FILTERS, { decisionId: String(events[1234]!.event['decision_id']) }, { decisionId: 'not-a-decision' }];

  it('selects the same decisions as audit query for every filter', async () => {
    for (const filter of filters()) {
      const match = eventMatcher(filter);
      const expected = events.filter(({ event }) => match(event)).map(({ where }) => where);
      const rows = [...await selectRows(index, filter)].map((r) => `${index.files[index.col.file[r]!]}:${index.col.line[r]}`);
      assert.deepEqual(rows, expected, JSON.stringify(filter));
    }
    assert.ok((await selectRows(index, { subject: 'bob' })).length > 100, 'the filters select something');
  });

  it('summarises the same way as audit stats for every filter', async () => {
    for (const filter of filters()) {
      const match = eventMatcher(filter);
      const s = createSummarizer();
      for (const { event } of events) if (match(event)) s.add(event);
      const { topDeniedReasons: _r, revisionTable: _t, ...summary } = summarizeRows(index, await selectRows(index, filter), 5);
      assert.deepEqual(summary, s.result(5), JSON.stringify(filter));
    }
  });

  it('counts what the generator wrote', async () => {
    const s = summarizeRows(index, await selectRows(index, {}), 300);
    assert.deepEqual([s.decisions, s.allow, s.deny, s.errors], [counts.decisions, counts.allow, counts.deny, counts.errors]);
    assert.deepEqual(Object.fromEntries(s.errorCodes), counts.errorCodes);
    assert.deepEqual(Object.fromEntries(s.topDeniedSubjects), counts.deniedSubjects);
    assert.deepEqual(Object.fromEntries(s.revisionTable.map((r) => [r.revision, [r.allow, r.deny, r.errors]])), counts.revisions);
    assert.equal(s.revisionTable[0]!.revision, OLD_REVISION, 'most decisions first');
  });

  it('buckets the timeline without losing a decision, and per revision', async () => {
    const rows = await selectRows(index, {});
    const t = timelineOf(index, rows);
    const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
    assert.deepEqual([sum(t.allow), sum(t.deny), sum(t.error)], [counts.allow, counts.deny - counts.errors, counts.errors]);
    assert.equal(t.width, 600_000, 'a day in buckets of 10 minutes (at most 240)');
    assert.equal(t.allow.length, 144);
    assert.deepEqual(t.revisions.map((r) => [r.revision, sum(r.decisions), sum(r.denied)]), [
      [OLD_REVISION, 1800, counts.revisions[OLD_REVISION]![1]],
      [NEW_REVISION, 1200, counts.revisions[NEW_REVISION]![1]],
    ]);
    const zoomed = timelineOf(index, await selectRows(index, { since: new Date('2026-11-01T06:00:00Z'), until: new Date('2026-11-01T07:00:00Z') }), { from: Date.parse('2026-11-01T06:00:00Z'), to: Date.parse('2026-11-01T07:00:00Z') });
    assert.equal(zoomed.width, 30_000, 'an hour in buckets of 30 s');
    assert.equal(zoomed.start, Date.parse('2026-11-01T06:00:00Z'));
  });

  it('reads one decision again by its offset, with its place in the chain', async () => {
    const lines = readFileSync(index.files[0]!, 'utf8').split('\n');
    const d = await readDecision(index, 41);
    assert.equal(d.at, `${index.files[0]}:42`);
    assert.deepEqual(d.event, JSON.parse(lines[41]!));
    assert.deepEqual([d.chain?.seq, d.chain?.intact, d.chain?.previousRow, d.chain?.nextRow], [41, true, 40, 42]);
    assert.equal(d.chain?.prev, JSON.parse(lines[40]!).chain.hash);
    assert.deepEqual(d.problems, []);
    assert.equal(index.rowAt(index.files[0]!, 42), 41);
    assert.equal(index.rowAt(index.files[1]!, 1), lines.length - 1, 'the second file continues the rows');
    await assert.rejects(readDecision(index, 3000), { code: 'not_found' });
  });

  it('reports a line changed after indexing instead of showing it as verified', async () => {
    const copyDir = tempDir('authz-explorer-changed-');
    const file = join(copyDir, 'decisions.log');
    copyFileSync(index.files[0]!, file);
    const copy = await buildLogIndex([file]);
    const lines = readFileSync(file, 'utf8').split('\n');
    const event = JSON.parse(lines[3]!);
    delete event.chain;
    event.subject.sub = event.subject?.sub === 'alice' ? 'bobby' : 'alice';
    lines[3] = chainRecord(JSON.stringify(event), { seq: 2, hash: JSON.parse(lines[2]!).chain.hash }).line.trimEnd(); // re-hashed, as a careful editor would
    writeFileSync(file, lines.join('\n'));
    await assert.rejects(readDecision(copy, 3), { code: 'not_found', message: /changed since the explorer indexed it/ });
  });

  it('shows where a modified log breaks, at the decision', async () => {
    const copyDir = tempDir('authz-explorer-tampered-');
    const file = join(copyDir, 'decisions.log');
    const lines = readFileSync(index.files[0]!, 'utf8').split('\n');
    lines[9] = lines[9]!.replace(/"allow":(true|false)/, (_m, v: string) => `"allow":${v === 'true' ? 'false' : 'true'}`);
    writeFileSync(file, lines.join('\n'));
    const tampered = await buildLogIndex([file]);
    assert.equal(tampered.verify.ok, false);
    assert.deepEqual(tampered.verify.problems.map((p) => [p.kind, p.at]), [['modified', `${file}:10`]]);
    const d = await readDecision(tampered, 9);
    assert.equal(d.chain?.intact, false);
    assert.equal(d.problems[0]?.kind, 'modified');
  });

  it('replays every decision against a candidate in the background and groups the changes by request and subject', async () => {
    const bundle = grantsBundle(NEW_REVISION);
    const view = startReplay(index, { bundle });
    for (let i = 0; i < 600 && view.status().state === 'running'; i++) await sleep(50);
    const st = view.status();
    assert.equal(st.state, 'done', JSON.stringify(st));
    const { changes: _listed, ...report } = await replayLog(files, { bundle });
    assert.deepEqual(st.state === 'done' ? st.report : undefined, report, 'the same counts as audit replay');
    const { rows, direction } = view.changed();
    assert.equal(rows.length, report.allowToDeny + report.denyToAllow);
    assert.ok(report.allowToDeny > 0);
    assert.equal(report.denyToAllow, 0, 'the new grants only take grants away');
    for (let i = 0; i < rows.length; i++) {
      assert.equal(direction[i], ALLOW_TO_DENY);
      assert.equal(index.dict.revision.key(index.col.revision[rows[i]!]!), OLD_REVISION);
      assert.match(index.dict.request.key(index.col.request[rows[i]!]!), /^(DELETE \/api\/orders|GET \/api\/users)\//);
    }
    const groups = view.groups(await selectRows(index, {}), 1000);
    assert.equal(groups.changed, rows.length);
    assert.equal(groups.bySubject.reduce((n, g) => n + g.allowToDeny, 0), rows.length);
    assert.equal(groups.byPath.reduce((n, g) => n + g.allowToDeny + g.denyToAllow, 0), rows.length);
    const carol = view.groups(await selectRows(index, { subject: 'carol' }), 10);
    assert.deepEqual(carol.bySubject.map((g) => g.key), carol.changed > 0 ? ['carol'] : []);
  });
});
