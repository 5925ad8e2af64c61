import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDecisionLogger } from '../../src/decision-log/decision-logger.ts';
import { chainRecord } from '../../src/decision-log/hash-chain.ts';
import { loadPublicKey } from '../../src/decision-log/checkpoints.ts';
import { rotatedFiles } from '../../src/decision-log/find-chain-head.ts';
import { verifyLog, type VerifyReport } from '../../src/audit/verify-log.ts';
import { tempDir } from '../helpers/bundles.ts';
import { draft } from '../decision-log/helpers.ts';

/** Writes n decisions with the real logger; returns the file and its lines. */
async function writeLog(n: number, options: { maxBytes?: number; keyFile?: string; everyEvents?: number } = {}): Promise<{ file: string; lines: string[] }> {
  const batch = options.everyEvents ?? n;
  const file = join(tempDir('authz-verify-'), 'decisions.log');
  const log = createDecisionLogger({
    target: file,
    bufferEvents: 100_000,
    file: { maxBytes: options.maxBytes ?? 0 },
    checkpoint: { keyFile: options.keyFile, file: undefined, everyEvents: options.everyEvents ?? 1000, intervalMs: 60_000 },
  });
  await log.start();
  for (let i = 0; i < n; i++) {
    log.log(draft(i));
    if ((i + 1) % batch === 0) await log.flush(); // as under steady traffic: checkpoints fall between batches
  }
  await log.stop();
  return { file, lines: readFileSync(file, 'utf8').trimEnd().split('\n') };
}

const save = (file: string, lines: string[]): void => writeFileSync(file, `${lines.join('\n')}\n`);

/** The line's record with `change` applied to its event, hashed again as the writer would (what a careful editor does). */
function rehash(line: string, change: (event: any) => void, link?: { seq: number; prev: string }): string {
  const event = JSON.parse(line);
  const { seq, prev } = link ?? event.chain;
  delete event.chain;
  change(event);
  return chainRecord(JSON.stringify(event), { seq: seq - 1, hash: prev }).line.trimEnd();
}

const hashOf = (line: string): string => JSON.parse(line).chain.hash;
const kinds = (r: VerifyReport) => r.problems.map((p) => `${p.kind}@${p.at.split(':').pop()}`);

describe('audit verify: the hash chain', () => {
  it('accepts an untouched log, from its first record ever', async () => {
    const { file } = await writeLog(10);
    const r = await verifyLog([file]);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.records, 10);
    assert.equal(r.fromGenesis, true);
    assert.deepEqual([r.firstSeq, r.lastSeq], [0, 9]);
  });

  it('reports a modified record where it is (content edited, hash left)', async () => {
    const { file, lines } = await writeLog(10);
    lines[4] = lines[4]!.replace('"allow":true', '"allow":false');
    save(file, lines);
    const r = await verifyLog([file]);
    assert.deepEqual(kinds(r), ['modified@5']);
    assert.equal(r.problems[0]!.seq, 4);
  });

  it('reports a modified record whose hash was recomputed: the next record links to the original', async () => {
    const { file, lines } = await writeLog(10);
    lines[4] = rehash(lines[4]!, (e) => (e.result.allow = !e.result.allow));
    save(file, lines);
    const r = await verifyLog([file]);
    assert.deepEqual(kinds(r), ['modified@5']);
    assert.match(r.problems[0]!.message, /re-hashed/);
  });

  it('reports a deleted record, with the seq numbers missing', async () => {
    const { file, lines } = await writeLog(10);
    lines.splice(4, 1);
    save(file, lines);
    const r = await verifyLog([file]);
    assert.deepEqual(kinds(r), ['deleted@5']);
    assert.match(r.problems[0]!.message, /1 record missing before this one \(seq 4\)/);
  });

  it('reports several deleted records in a row as one gap', async () => {
    const { file, lines } = await writeLog(10);
    lines.splice(2, 3);
    save(file, lines);
    assert.deepEqual(kinds(await verifyLog([file])), ['deleted@3']);
  });

  it('reports an inserted record that links to nothing', async () => {
    const { file, lines } = await writeLog(10);
    const forged = rehash(lines[4]!, (e) => (e.decision_id = 'forged'), { seq: 5, prev: 'f'.repeat(64) });
    lines.splice(5, 0, forged);
    save(file, lines);
    assert.deepEqual(kinds(await verifyLog([file])), ['inserted@6']);
  });

  it('reports an inserted record that links correctly to the one before it (the next record skips it)', async () => {
    const { file, lines } = await writeLog(10);
    const forged = rehash(lines[4]!, (e) => (e.decision_id = 'forged'), { seq: 5, prev: hashOf(lines[4]!) });
    lines.splice(5, 0, forged);
    save(file, lines);
    assert.deepEqual(kinds(await verifyLog([file])), ['inserted@6']);
  });

  it('reports a duplicated record as inserted, naming the original', async () => {
    const { file, lines } = await writeLog(10);
    lines.splice(7, 0, lines[2]!);
    save(file, lines);
    const r = await verifyLog([file]);
    assert.deepEqual(kinds(r), ['inserted@8']);
    assert.match(r.problems[0]!.message, /copy of the record at .*:3/);
  });

  it('reports two swapped records once, as reordered', async () => {
    const { file, lines } = await writeLog(10);
    [lines[4], lines[5]] = [lines[5]!, lines[4]!];
    save(file, lines);
    const r = await verifyLog([file]);
    assert.deepEqual(kinds(r), ['reordered@6']);
    assert.match(r.problems[0]!.message, /seq 4 comes after seq 5/);
  });

  it('reports a record moved further down as reordered', async () => {
    const { file, lines } = await writeLog(10);
    const [moved] = lines.splice(2, 1);
    lines.splice(6, 0, moved!);
    save(file, lines);
    const r = await verifyLog([file]);
    assert.ok(r.problems.length > 0);
    assert.deepEqual([...new Set(r.problems.map((p) => p.kind))], ['reordered']);
  });

  it('reports a torn last line (a crash while writing) as malformed', async () => {
    const { file, lines } = await writeLog(5);
    writeFileSync(file, `${lines.join('\n')}\n${lines[4]!.slice(0, 40)}`);
    assert.deepEqual(kinds(await verifyLog([file])), ['malformed@6']);
  });

  it('with --require-genesis, reports records deleted from the start', async () => {
    const { file, lines } = await writeLog(10);
    save(file, lines.slice(3));
    assert.equal((await verifyLog([file])).ok, true, 'a log may legitimately start later (rotated files removed)');
    const r = await verifyLog([file], { requireGenesis: true });
    assert.deepEqual(kinds(r), ['deleted@1']);
    assert.match(r.problems[0]!.message, /records 0..2 are missing/);
  });
});

describe('audit verify: rotation', () => {
  it('follows the chain across rotated files given in any order, and reports a deleted file', async () => {
    const { file } = await writeLog(40, { maxBytes: 4096 });
    const rotated = (await rotatedFiles(file)).map((r) => r.file);
    assert.ok(rotated.length >= 3, `rotated into ${rotated.length + 1} files`);
    const all = [file, ...[...rotated].reverse()];
    const r = await verifyLog(all);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.records, 40);
    assert.deepEqual(r.files.map((f) => f.file), [...rotated, file]);

    const gone = r.files[1]!;
    rmSync(gone.file);
    const r2 = await verifyLog(all.filter((f) => f !== gone.file));
    assert.equal(r2.problems.length, 1);
    assert.equal(r2.problems[0]!.kind, 'deleted');
    assert.equal(r2.problems[0]!.at, `${r.files[2]!.file}:1`);
    assert.match(r2.problems[0]!.message, new RegExp(`seq ${gone.firstSeq}\\.\\.${gone.lastSeq}`));
  });
});

describe('audit verify: signed checkpoints', () => {
  let keyFile: string;
  let publicFile: string;
  let otherKeyFile: string;
  before(() => {
    const dir = tempDir('authz-keys-');
    const pair = generateKeyPairSync('ed25519');
    keyFile = join(dir, 'key.pem');
    publicFile = join(dir, 'public.pem');
    writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(publicFile, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    otherKeyFile = join(dir, 'other.pem');
    writeFileSync(otherKeyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  });

  it('verifies the checkpoints of an untouched log', async () => {
    const { file } = await writeLog(25, { keyFile, everyEvents: 10 });
    const r = await verifyLog([file, `${file}.checkpoints`], { key: loadPublicKey(publicFile) });
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.checkpoints.valid, 3, 'after 10, after 20, and at close');
    assert.equal(r.checkpoints.matched, 3);
    assert.equal(r.checkpoints.latestSeq, 24);
  });

  it('reports records cut from the end of the log, which the chain alone cannot show', async () => {
    const { file, lines } = await writeLog(25, { keyFile, everyEvents: 10 });
    save(file, lines.slice(0, 21));
    assert.equal((await verifyLog([file])).ok, true, 'a cut chain is still a valid chain');
    const r = await verifyLog([file, `${file}.checkpoints`], { key: loadPublicKey(publicFile) });
    assert.deepEqual(kinds(r), ['truncated@21']);
    assert.match(r.problems[0]!.message, /ends at seq 20, but the checkpoint .* covers seq 24: at least 4 records were cut/);
  });

  it('reports a chain rewritten with fresh hashes from some record on', async () => {
    const { file, lines } = await writeLog(25, { keyFile, everyEvents: 10 });
    let prev = hashOf(lines[11]!);
    for (let i = 12; i < lines.length; i++) {
      lines[i] = rehash(lines[i]!, (e) => i === 12 && (e.result.allow = !e.result.allow), { seq: i, prev });
      prev = hashOf(lines[i]!);
    }
    save(file, lines);
    assert.equal((await verifyLog([file])).ok, true, 'a consistently rewritten chain verifies on its own');
    const r = await verifyLog([file, `${file}.checkpoints`], { key: loadPublicKey(publicFile) });
    assert.deepEqual(kinds(r), ['modified@20', 'modified@25']);
    assert.match(r.problems[0]!.message, /the chain was rewritten/);
  });

  it('reports a checkpoint not signed by the given key, and a missing checkpoint file', async () => {
    const { file } = await writeLog(5, { keyFile: otherKeyFile });
    const r = await verifyLog([file, `${file}.checkpoints`], { key: loadPublicKey(publicFile) });
    assert.deepEqual(r.problems.map((p) => p.kind), ['checkpoint']);
    assert.match(r.problems[0]!.message, /signature does not verify/);
    const r2 = await verifyLog([file], { key: loadPublicKey(publicFile) });
    assert.deepEqual(r2.problems.map((p) => p.kind), ['checkpoint']);
    assert.match(r2.problems[0]!.message, /no signed checkpoint found/);
  });

  it('continues the chain and the checkpoints across a restart', async () => {
    const { file } = await writeLog(5, { keyFile });
    const again = createDecisionLogger({ target: file, bufferEvents: 10, checkpoint: { keyFile, file: undefined, everyEvents: 1000, intervalMs: 60_000 } });
    await again.start();
    for (let i = 5; i < 8; i++) again.log(draft(i));
    await again.stop();
    const r = await verifyLog([file, `${file}.checkpoints`], { key: loadPublicKey(publicFile) });
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.deepEqual([r.records, r.lastSeq, r.checkpoints.valid], [8, 7, 2]);
  });
});
