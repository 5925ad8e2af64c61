import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDecisionLogger } from '../../src/decision-log/decision-logger.ts';
import { rotatedFiles } from '../../src/decision-log/find-chain-head.ts';
import { verifyLog } from '../../src/audit/verify-log.ts';
import { tempDir } from '../helpers/bundles.ts';
import { draft, jsonLines } from './helpers.ts';

async function run(file: string, from: number, to: number, maxBytes = 0): Promise<void> {
  const log = createDecisionLogger({ target: file, bufferEvents: 10_000, file: { maxBytes } });
  await log.start();
  for (let i = from; i < to; i++) log.log(draft(i));
  await log.stop();
}

describe('hash-chained file sink', () => {
  it('rotates by size into <file>.<n>, never past the limit, and continues the chain in the next file', async () => {
    const file = join(tempDir(), 'decisions.log');
    await run(file, 0, 30, 3000);
    const rotated = await rotatedFiles(file);
    assert.ok(rotated.length >= 5);
    for (const { file: f } of rotated) assert.ok(readFileSync(f).length <= 3000, `${f} is over the limit`);
    const firstOfCurrent = jsonLines(readFileSync(file, 'utf8'))[0];
    const lastOfRotated = jsonLines(readFileSync(rotated.at(-1)!.file, 'utf8')).at(-1);
    assert.equal(firstOfCurrent.chain.prev, lastOfRotated.chain.hash);
    assert.equal(firstOfCurrent.chain.seq, lastOfRotated.chain.seq + 1);
    assert.equal((await verifyLog([file, ...rotated.map((r) => r.file)])).ok, true);
  });

  it('continues the chain after a restart, and from the newest rotated file when the current one was moved away', async () => {
    const file = join(tempDir(), 'decisions.log');
    await run(file, 0, 5);
    await run(file, 5, 8);
    renameSync(file, `${file}.1`); // as an external rotation would
    await run(file, 8, 10);
    const r = await verifyLog([`${file}.1`, file]);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.deepEqual([r.records, r.firstSeq, r.lastSeq], [10, 0, 9]);
  });

  it('after a crash left a torn last line, ends it and continues the chain from the last whole record', async () => {
    const file = join(tempDir(), 'decisions.log');
    await run(file, 0, 3);
    appendFileSync(file, '{"schema_version":1,"decision_id":"d-torn","inp');
    await run(file, 3, 5);
    const r = await verifyLog([file]);
    assert.deepEqual(r.problems.map((p) => `${p.kind}@${p.at.split(':').pop()}`), ['malformed@4']);
    assert.deepEqual([r.records, r.lastSeq], [5, 4]);
  });

  it('moves an unchained file (written before hash chaining) aside and starts a new chain', async () => {
    const file = join(tempDir(), 'decisions.log');
    writeFileSync(file, '{"decision_id":"old-1","path":"authorize"}\n{"decision_id":"old-2","path":"authorize"}\n');
    await run(file, 0, 2);
    assert.ok(existsSync(`${file}.1`));
    assert.match(readFileSync(`${file}.1`, 'utf8'), /old-2/);
    const r = await verifyLog([file]);
    assert.equal(r.ok, true);
    assert.equal(r.fromGenesis, true);
  });
});
