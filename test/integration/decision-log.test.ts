import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, SAMPLE_BUNDLE, tempDir } from '../helpers/bundles.ts';
import { startTestIdp, type TestIdp } from '../helpers/test-idp.ts';
import { startTestSidecar } from '../helpers/test-sidecar.ts';
import { spawnSidecar } from '../helpers/spawn-sidecar.ts';
import { verifyLog } from '../../src/audit/verify-log.ts';
import { loadPublicKey } from '../../src/decision-log/checkpoints.ts';
import { rotatedFiles } from '../../src/decision-log/find-chain-head.ts';

const BIN = join(ROOT, 'bin/authz-sidecar.js');

/** Requests from `concurrency` loops until `stop()` or the server goes away; collects the decision ids answered. */
function load(url: string, tokens: string[], concurrency: number) {
  const ids: string[] = [];
  const statuses = new Map<number, number>();
  let stopped = false;
  const bodies = [
    { method: 'GET', path: '/api/orders/1' },
    { method: 'DELETE', path: '/api/orders/1' },
    { method: 'GET', path: '/api/users/7' },
  ];
  const loops = Array.from({ length: concurrency }, async (_, k) => {
    for (let i = k; !stopped; i += concurrency) {
      try {
        const res = await fetch(`${url}/authorize`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[i % tokens.length]}`, 'content-type': 'application/json' },
          body: JSON.stringify(bodies[i % bodies.length]),
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = (await res.json()) as { decision_id?: string };
        if (body.decision_id) ids.push(body.decision_id);
      } catch {
        return; // the server is gone (shutdown)
      }
    }
  });
  return {
    ids,
    /** Answers by status, for failure messages. */
    statuses: () => JSON.stringify(Object.fromEntries(statuses)),
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
    done: Promise.all(loops),
  };
}

/** Waits for `cond`, failing (not hanging) after `ms`. */
async function until(cond: () => boolean | Promise<boolean>, what: () => string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await sleep(20);
  }
}

const records = (file: string): any[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('decision log: nothing lost', () => {
  let idp: TestIdp;
  let tokens: string[];
  before(async () => {
    idp = await startTestIdp();
    tokens = [await idp.token('alice'), await idp.token('bob'), await idp.token('gina'), 'not-a-token'];
  });
  after(async () => {
    await idp.stop();
  });

  it('under sustained load with the file sink, the log holds exactly one record per decision, and verifies', { timeout: 90_000 }, async () => {
    const sc = await startTestSidecar(idp.issuer, { 'decisionLog.file.maxBytes': 256 * 1024 });
    const l = load(sc.url, tokens, 16);
    await until(() => l.ids.length >= 800, () => `800 decisions (answers so far: ${l.statuses()})`);
    await l.stop();
    const status = (await (await fetch(`${sc.url}/v1/status/decision-logs`)).json()) as { logged: number };
    assert.equal(status.logged, l.ids.length, 'every request was answered with a decision');
    await sc.stop();
    const files = [...(await rotatedFiles(sc.decisionLogPath)).map((r) => r.file), sc.decisionLogPath];
    assert.ok(files.length > 1, 'the load rotated the file at least once');
    const logged = files.flatMap(records).map((r) => r.decision_id);
    assert.equal(logged.length, l.ids.length, 'records == decisions');
    assert.deepEqual(new Set(logged), new Set(l.ids));
    const report = await verifyLog(files);
    assert.equal(report.ok, true, JSON.stringify(report.problems.slice(0, 3)));
    assert.equal(report.records, l.ids.length);
  });

  it('SIGTERM during load: the real process flushes every decision, drops none, and signs a last checkpoint', { timeout: 90_000 }, async () => {
    const dir = tempDir('authz-sigterm-');
    const log = join(dir, 'decisions.log');
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'key.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const sc = await spawnSidecar([], {
      AUTHZ_ISSUER: idp.issuer,
      AUTHZ_BUNDLE: SAMPLE_BUNDLE,
      AUTHZ_LISTEN: '127.0.0.1:0',
      AUTHZ_DECISION_LOG: log,
      AUTHZ_DECISION_LOG_CHECKPOINT_KEY: join(dir, 'key.pem'),
    });
    try {
      await until(async () => (await fetch(`${sc.url}/ready`)).status === 200, () => `/ready (process log: ${sc.stderr()})`);
      const l = load(sc.url, tokens, 16);
      await until(() => l.ids.length >= 200, () => `200 decisions (answers so far: ${l.statuses()})`);
      sc.child.kill('SIGTERM'); // while 16 requests are in flight
      const code = await sc.exited;
      await l.done;
      assert.equal(code, 0, sc.stderr());
      const stopped = JSON.parse(sc.stderr().split('\n').find((line) => line.includes('"msg":"stopped"'))!);
      assert.equal(stopped.decisions_dropped, 0);
      assert.equal(stopped.decisions_logged, stopped.decisions, 'every decision made was written');
      const logged = records(log).map((r) => r.decision_id);
      assert.equal(logged.length, stopped.decisions);
      const missing = l.ids.filter((id) => !logged.includes(id));
      assert.deepEqual(missing, [], 'every answered decision is in the log');
      const report = await verifyLog([log, `${log}.checkpoints`], { key: loadPublicKey(join(dir, 'key.pem')) });
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.equal(report.checkpoints.latestSeq, logged.length - 1, 'the last checkpoint covers the last record');
    } finally {
      sc.kill();
    }
  });
});

describe('decision log: startup', () => {
  it('the sidecar refuses to start (exit 2, naming the log) when its decision log cannot be opened', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env['PATH'] ?? '', AUTHZ_ISSUER: 'https://idp.example', AUTHZ_BUNDLE: SAMPLE_BUNDLE, AUTHZ_LISTEN: '127.0.0.1:0', AUTHZ_DECISION_LOG: join(tempDir(), 'no-such-dir', 'decisions.log') },
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot open the decision log '.*no-such-dir\/decisions\.log': ENOENT/);
    assert.doesNotMatch(r.stderr, /"msg":"listening"/);
  });
});

describe('decision log: HTTP upload through the sidecar', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startTestIdp();
  });
  after(async () => {
    await idp.stop();
  });

  it('uploads OPA-format events, and reports every drop on /v1/status/decision-logs and /metrics while the service is down', async () => {
    const received: any[] = [];
    const collector: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(...JSON.parse(gunzipSync(Buffer.concat(chunks)).toString()));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const port = (collector.address() as AddressInfo).port;
    const sc = await startTestSidecar(idp.issuer, {
      'decisionLog.http.url': `http://127.0.0.1:${port}/logs`,
      'decisionLog.http.flushIntervalMs': 20,
      'decisionLog.http.bufferMaxBytes': 4096,
      'decisionLog.http.batchMaxBytes': 4096,
      'decisionLog.http.retryInitialMs': 20,
      'decisionLog.http.retryMaxMs': 40,
      'decisionLog.http.shutdownTimeoutMs': 200,
    });
    try {
      const bob = await idp.token('bob');
      const first = await sc.authorize(bob, { method: 'GET', path: '/api/orders/1' });
      for (let i = 0; i < 100 && received.length === 0; i++) await sleep(10);
      assert.equal(received.length, 1);
      const e = received[0];
      assert.equal(e.decision_id, first.body.decision_id);
      for (const k of ['decision_id', 'labels', 'bundles', 'path', 'input', 'result', 'timestamp', 'metrics']) assert.ok(k in e, `OPA field ${k}`);
      assert.equal(e.path, 'authz/decision');
      assert.equal(e.input.subject.sub, 'bob');
      assert.equal(e.chain, undefined, 'the chain belongs to the file only');

      await new Promise<void>((r) => {
        collector.close(() => r());
        collector.closeAllConnections();
      });
      for (let i = 0; i < 30; i++) await sc.authorize(bob, { method: 'GET', path: `/api/orders/${i}` });
      await sleep(100);
      const status = (await (await fetch(`${sc.url}/v1/status/decision-logs`)).json()) as any;
      assert.equal(status.logged, 31);
      assert.equal(status.sinks.file.written, 31, 'the file sink is not held up by the HTTP sink');
      assert.ok(status.sinks.http.buffered_bytes <= 4096);
      assert.ok(status.sinks.http.dropped.buffer_full > 0);
      assert.ok(status.sinks.http.last_error);
      const metrics = await (await fetch(`${sc.url}/metrics`)).text();
      assert.match(metrics, new RegExp(`authz_decision_log_dropped_total\\{sink="http",reason="buffer_full"\\} ${status.sinks.http.dropped.buffer_full}`));
      assert.match(metrics, /authz_decision_log_events_total 31/);
    } finally {
      await sc.stop();
    }
  });
});
