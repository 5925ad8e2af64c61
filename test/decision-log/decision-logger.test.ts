import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDecisionLogger } from '../../src/decision-log/decision-logger.ts';
import { verifyLog } from '../../src/audit/verify-log.ts';
import { tempDir } from '../helpers/bundles.ts';
import { draft, jsonLines } from './helpers.ts';

describe('decision logger', () => {
  it('writes every event as one versioned, chained JSON line, in order, and close() flushes them all', async () => {
    const file = join(tempDir(), 'd.log');
    const log = createDecisionLogger({ target: file, bufferEvents: 100_000, instanceId: 'test-instance' });
    await log.start();
    for (let i = 0; i < 5_000; i++) log.log(draft(i));
    await log.stop();
    const lines = jsonLines(readFileSync(file, 'utf8'));
    assert.equal(lines.length, 5_000);
    assert.equal(lines[0].decision_id, 'd-0');
    assert.equal(lines[4_999].decision_id, 'd-4999');
    assert.equal(lines[0].schema_version, 1);
    assert.deepEqual(lines[0].labels, { app: 'authz-sidecar', id: 'test-instance', version: '0.1.0' });
    assert.deepEqual(lines.map((l) => l.chain.seq).slice(0, 3), [0, 1, 2]);
    assert.equal(log.stats.logged, 5_000);
    assert.equal(log.stats.written, 5_000);
    assert.equal(log.stats.dropped, 0);
    assert.equal((await verifyLog([file])).ok, true);
  });

  it('drops and counts events beyond the queue instead of growing without bound', async () => {
    const file = join(tempDir(), 'd.log');
    const log = createDecisionLogger({ target: file, bufferEvents: 10 });
    await log.start();
    for (let i = 0; i < 25; i++) log.log(draft(i)); // same tick: nothing written yet
    await log.stop();
    assert.equal(log.stats.drops.buffer_full, 15);
    assert.equal(log.stats.dropped, 15);
    assert.equal(log.stats.logged, 25);
    assert.equal(jsonLines(readFileSync(file, 'utf8')).length, 10);
  });

  it('counts every event as dropped (write_error) while the disk refuses writes, and keeps the chain intact', async () => {
    // /dev/full answers every write with ENOSPC: a real full disk, without a mock.
    const log = createDecisionLogger({ target: '/dev/full', bufferEvents: 100 });
    await log.start();
    for (let i = 0; i < 7; i++) log.log(draft(i));
    await log.flush();
    log.log(draft(7));
    await log.stop();
    assert.equal(log.stats.written, 0);
    assert.equal(log.stats.sinks.file?.dropped.write_error, 8);
    assert.equal(log.stats.dropped, 8);
    assert.equal(log.stats.sinks.file?.seq, -1, 'no record reached the disk, so the chain has not advanced');
    assert.match(log.stats.sinks.file?.last_error ?? '', /ENOSPC/);
  });

  it('open() fails when the log cannot be created, so the sidecar refuses to start without its audit trail', async () => {
    const log = createDecisionLogger({ target: join(tempDir(), 'missing-dir', 'd.log'), bufferEvents: 100 });
    await assert.rejects(log.start(), /ENOENT/);
  });

  it('still records a decision whose input cannot be serialised, without the input', async () => {
    const file = join(tempDir(), 'd.log');
    const log = createDecisionLogger({ target: file, bufferEvents: 100 });
    await log.start();
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    log.log(draft(1, { input: { context: deep } }));
    log.log(draft(2));
    await log.stop();
    const [bad, good] = jsonLines(readFileSync(file, 'utf8'));
    assert.equal(bad.decision_id, 'd-1');
    assert.equal(bad.input, undefined);
    assert.deepEqual(bad.erased, ['/input']);
    assert.match(bad.mask_error, /nested deeper/);
    assert.equal(bad.result.allow, false);
    assert.ok(good.input);
    assert.equal(log.stats.mask_errors, 1);
    assert.equal(log.stats.dropped, 0);
  });

  it('writes plain JSON lines to stdout and nothing with target none', async () => {
    const none = createDecisionLogger({ target: 'none', bufferEvents: 10 });
    await none.start();
    none.log(draft(1));
    await none.stop();
    assert.deepEqual(none.stats.sinks, {});
    assert.equal(none.stats.logged, 1);
  });
});
