import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDecisionLogger } from '../../src/decision-log/decision-logger.ts';
import type { DecisionEvent } from '../../src/decision-log/decision-event.ts';
import { tempDir } from '../helpers/bundles.ts';

const event = (i: number): DecisionEvent => ({
  decision_id: `d-${i}`,
  timestamp: new Date(0).toISOString(),
  path: 'authorize',
  subject: { sub: 's', iss: 'i' },
  request: { method: 'GET', path: '/' },
  result: { allow: i % 2 === 0 },
  bundle: { revision: 'r' },
  timings_us: { verify: 1, claims: 1, policy: 1, total: 3 },
  claims: { source: 'token', cache: 'none' },
});

describe('decision logger', () => {
  it('writes every event as one JSON line, in order, and close() flushes them all', async () => {
    const file = join(tempDir(), 'd.log');
    const log = createDecisionLogger(file, 100_000);
    for (let i = 0; i < 20_000; i++) log.log(event(i));
    await log.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 20_000);
    assert.equal(JSON.parse(lines[0]!).decision_id, 'd-0');
    assert.equal(JSON.parse(lines[19_999]!).decision_id, 'd-19999');
    assert.deepEqual(log.stats, { written: 20_000, dropped: 0, buffered: 0 });
  });

  it('drops and counts events beyond the buffer instead of growing without bound', async () => {
    const file = join(tempDir(), 'd.log');
    const log = createDecisionLogger(file, 10);
    for (let i = 0; i < 25; i++) log.log(event(i)); // same tick: nothing flushed yet
    await log.close();
    assert.equal(log.stats.dropped, 15);
    assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 10);
  });

  it('counts events as dropped when the sink fails', async () => {
    const log = createDecisionLogger(join(tempDir(), 'missing-dir', 'd.log'), 100);
    log.log(event(1));
    await new Promise((r) => setTimeout(r, 50));
    log.log(event(2));
    await log.flush();
    assert.equal(log.stats.written + log.stats.dropped, 2);
    assert.ok(log.stats.dropped >= 1);
  });
});
