import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDecisionLogger } from '../../src/decision-log/decision-logger.ts';
import { runAudit } from '../../src/audit/audit-cli.ts';
import { requestDemoToken } from '../../src/demo/request-token.ts';
import { buildBundle, FIXTURE_POLICIES, ROOT, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { draft } from '../decision-log/helpers.ts';

const BIN = join(ROOT, 'bin/authz-sidecar.js');
/** The real process: `authz-sidecar audit …`. */
const spawnAudit = (args: string[], cwd = ROOT) =>
  spawnSync(process.execPath, [BIN, 'audit', ...args], { encoding: 'utf8', cwd, env: { PATH: process.env['PATH'] ?? '' }, timeout: 20_000 });
/** The same command in this process (each spawn costs about a second of module loading on a busy machine). */
async function audit(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runAudit(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

describe('authz-sidecar audit (the real CLI)', () => {
  let dir: string;
  let log: string;
  before(async () => {
    dir = tempDir('authz-audit-cli-');
    log = join(dir, 'decisions.log');
    const pair = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'key.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    const logger = createDecisionLogger({ target: log, bufferEvents: 100, checkpoint: { keyFile: join(dir, 'key.pem'), file: undefined, everyEvents: 5, intervalMs: 60_000 } });
    await logger.start();
    for (let i = 0; i < 12; i++) logger.log(draft(i));
    await logger.stop();
  });

  it('verify exits 0 on an intact log and 1, naming the line, on a modified one', async () => {
    const ok = spawnAudit(['verify', '--key', join(dir, 'public.pem'), log, `${log}.checkpoints`]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /chain: 12 records, seq 0..11, from the first record ever/);
    assert.match(ok.stdout, /^OK: /m);

    const copy = join(dir, 'tampered.log');
    const lines = readFileSync(log, 'utf8').split('\n');
    lines[6] = lines[6]!.replace('"sub":"alice"', '"sub":"mallory"');
    writeFileSync(copy, lines.join('\n'));
    const bad = spawnAudit(['verify', copy]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, new RegExp(`MODIFIED  ${copy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7 \\(seq 6\\): the record does not match its hash`));
    assert.match(bad.stdout, /^FAILED: 1 problem$/m);
    const json = JSON.parse((await audit(['verify', '--json', copy])).stdout);
    assert.equal(json.ok, false);
    assert.equal(json.problems[0].kind, 'modified');
  });

  it('query prints matching decisions as text or JSON lines', async () => {
    const text = await audit(['query', '--subject', 'bob', '--result', 'deny', log]);
    assert.equal(text.status, 0, text.stderr);
    const rows = text.stdout.trim().split('\n');
    assert.equal(rows.length, 2); // d-1 and d-7: bob, odd i
    assert.match(rows[0]!, /^2026-01-01T00:00:01.000Z {2}DENY {2}bob {2}GET \/api\/orders\/1 {2}rev r1 {2}d-1 {2}\[no\]$/);
    const json = (await audit(['query', '--path', '/api/orders/0', '--json', log])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(json.map((e) => e.decision_id), ['d-0', 'd-5', 'd-10']);
    assert.equal((await audit(['query', '--limit', '1', log])).stdout.trim().split('\n').length, 1);
  });

  it('query, stats and replay also filter by error code, bundle revision and reason text (as the explorer does)', async () => {
    const ids = async (args: string[]) => (await audit(['query', '--json', ...args, log])).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).decision_id);
    assert.deepEqual(await ids(['--reason', 'NO']), ['d-1', 'd-3', 'd-5', 'd-7', 'd-9', 'd-11'], 'case-insensitive, in the reasons');
    assert.equal((await ids(['--revision', 'r1'])).length, 12);
    assert.deepEqual(await ids(['--revision', 'r2']), []);
    assert.deepEqual(await ids(['--error-code', 'invalid_token']), []);
    assert.match((await audit(['stats', '--reason', 'ok', log])).stdout, /^decisions {2}6 /m);
    assert.match((await audit(['query', '--help'])).stdout, /--error-code <code>[\s\S]*--revision <rev>[\s\S]*--reason <text>/);
  });

  it('stats summarises the log', async () => {
    const r = await audit(['stats', '--top', '1', log]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^decisions {2}12 /m);
    assert.match(r.stdout, /^allow {6}6 \(50.0%\)$/m);
    assert.match(r.stdout, /most denied paths:\n +\d+ {2}GET \/api\/orders\/\d/);
    const json = JSON.parse((await audit(['stats', '--json', log])).stdout);
    assert.equal(json.decisions, 12);
  });

  it('replay reports changes and, with --exit-code, fails when a decision would change', async () => {
    const denyAll = buildBundle(join(FIXTURE_POLICIES, 'deny-all'), join(dir, 'deny-all.tar.gz'));
    const r = await audit(['replay', '--bundle', denyAll, '--exit-code', log]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /allow -> deny {6}6/);
    assert.match(r.stdout, /ALLOW -> DENY {2}2026-01-01T00:00:00.000Z {2}alice {2}GET \/api\/orders\/0 {2}d-0/);
    const same = await audit(['replay', '--bundle', SAMPLE_BUNDLE, '--subject', 'nobody', '--exit-code', log]);
    assert.equal(same.status, 0);
    assert.match(same.stdout, /no decision would change/);
  });

  it('explains its usage and exits 2 on usage errors', async () => {
    assert.equal((await audit(['--help'])).status, 0);
    for (const c of ['verify', 'query', 'stats', 'replay']) assert.match((await audit([c, '--help'])).stdout, new RegExp(`Usage: authz-sidecar audit ${c}`));
    assert.equal((await audit(['verify'])).status, 2);
    const missing = await audit(['verify', join(dir, 'nope.log')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /ENOENT/);
    assert.equal((await audit(['query', '--result', 'maybe', log])).status, 2);
    assert.match((await audit(['replay', log])).stderr, /--bundle <bundle.tar.gz> is required/);
    assert.equal((await audit(['frobnicate'])).status, 2);
  });
});

describe('the demo', () => {
  it('writes a decision log to .demo/decisions.log by default that audit verify accepts, checkpoints included', async () => {
    const cwd = tempDir('authz-demo-');
    const child = spawn(process.execPath, [BIN, 'demo', '--idp-port', '0'], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', AUTHZ_LISTEN: '127.0.0.1:0', AUTHZ_BUNDLE: SAMPLE_BUNDLE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 300 && !/Ctrl-C stops the demo/.test(out); i++) await sleep(50);
      const sidecar = /sidecar\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const issuer = /identity provider\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      assert.ok(sidecar && issuer, out);
      assert.match(out, /audit verify --key \.demo\/checkpoint-public\.pem \.demo\/decisions\.log\*/);
      const token = await requestDemoToken(issuer, 'bob');
      for (const path of ['/api/orders/1', '/api/admin']) {
        const res = await fetch(`${sidecar}/authorize`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path }) });
        assert.equal(res.status, 200);
      }
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, out);
      const files = readdirSync(join(cwd, '.demo')).filter((f) => f.startsWith('decisions.log')).map((f) => join('.demo', f));
      const r = spawnAudit(['verify', '--key', '.demo/checkpoint-public.pem', ...files], cwd);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /chain: 2 records/);
      assert.match(r.stdout, /checkpoints: 1 valid signatures, 1 match the log/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
