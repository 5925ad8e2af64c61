import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHttpSink, retryAfterMs, type HttpSink, type HttpSinkOptions } from '../../src/decision-log/http-sink.ts';
import { silentLog } from '../../src/lib/process-log.ts';

interface Upload {
  readonly at: number;
  readonly headers: IncomingMessage['headers'];
  readonly events: { decision_id: string }[];
  readonly bytes: number;
}

/** A real decision log service on loopback: records each upload; `answer` decides the response. */
async function startCollector(answer: (n: number, res: ServerResponse) => boolean = () => false, port = 0): Promise<{ url: string; port: number; uploads: Upload[]; server: Server; stop(): Promise<void> }> {
  const uploads: Upload[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (answer(n++, res)) return;
      const json = gunzipSync(Buffer.concat(chunks)).toString();
      uploads.push({ at: Date.now(), headers: req.headers, events: JSON.parse(json), bytes: Buffer.byteLength(json) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${p}/logs`,
    port: p,
    uploads,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const options = (url: string, o: Partial<HttpSinkOptions> = {}): HttpSinkOptions => ({
  url,
  batchMaxBytes: 4096,
  flushIntervalMs: 20,
  bufferMaxEvents: 10_000,
  bufferMaxBytes: 1_000_000,
  timeoutMs: 2000,
  retryInitialMs: 10,
  retryMaxMs: 50,
  shutdownTimeoutMs: 2000,
  log: silentLog,
  ...o,
});

const event = (i: number, pad = 200): string => JSON.stringify({ decision_id: `d-${i}`, pad: 'x'.repeat(pad) });
const ids = (uploads: Upload[]): string[] => uploads.flatMap((u) => u.events.map((e) => e.decision_id));

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('HTTP decision log sink (OPA decision log API)', () => {
  it('POSTs gzip JSON arrays, batched by size and by time, in order, with the bearer token', async () => {
    const c = await startCollector();
    const sink = createHttpSink(options(c.url, { bearerToken: 'collector-secret', batchMaxBytes: 1000 }));
    try {
      sink.enqueue(Array.from({ length: 20 }, (_, i) => event(i)));
      await until(() => sink.stats.sent === 20, 'the full batches');
      sink.enqueue([event(20)]);
      await until(() => sink.stats.sent === 21, 'the partial batch, after flushIntervalMs');
      assert.deepEqual(ids(c.uploads), Array.from({ length: 21 }, (_, i) => `d-${i}`));
      assert.ok(c.uploads.length >= 6, `${c.uploads.length} uploads`);
      for (const u of c.uploads) {
        assert.ok(u.bytes <= 1000, `a batch of ${u.bytes} bytes`);
        assert.equal(u.headers['content-encoding'], 'gzip');
        assert.equal(u.headers['content-type'], 'application/json');
        assert.equal(u.headers['authorization'], 'Bearer collector-secret');
      }
    } finally {
      await sink.close();
      await c.stop();
    }
  });

  it('honours 429 Retry-After before retrying the same batch', async () => {
    const c = await startCollector((n, res) => {
      if (n > 0) return false;
      res.writeHead(429, { 'retry-after': '1' }).end();
      return true;
    });
    const sink = createHttpSink(options(c.url));
    try {
      const first = Date.now();
      sink.enqueue([event(1), event(2)]);
      await until(() => sink.stats.sent === 2, 'the retried batch');
      assert.ok(c.uploads[0]!.at - first >= 950, `retried after ${c.uploads[0]!.at - first} ms; Retry-After said 1 s (backoff alone would be 10 ms)`);
      assert.deepEqual(ids(c.uploads), ['d-1', 'd-2']);
      assert.deepEqual(sink.stats.uploads, { ok: 1, failed: 1 });
      assert.equal(sink.stats.dropped.rejected, 0);
    } finally {
      await sink.close();
      await c.stop();
    }
  });

  it('retries 503 with backoff, and drops (counting) a batch the service refuses with 400', async () => {
    const c = await startCollector((n, res) => {
      if (n < 2) res.writeHead(503).end();
      else if (n === 2) res.writeHead(400).end();
      else return false;
      return true;
    });
    const sink = createHttpSink(options(c.url, { batchMaxBytes: 300 }));
    try {
      sink.enqueue([event(1), event(2)]);
      await until(() => sink.stats.sent + sink.stats.dropped.rejected === 2, 'both batches settled');
      assert.equal(sink.stats.dropped.rejected, 1, 'the refused batch is counted, not retried forever');
      assert.equal(sink.stats.sent, 1);
      assert.equal(sink.stats.uploads.failed, 3);
    } finally {
      await sink.close();
      await c.stop();
    }
  });

  it('with the service down, keeps memory bounded, drops the oldest first, counts every drop, and delivers the rest when it returns', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const c = await startCollector();
    const port = c.port;
    await c.stop(); // connection refused from now on
    const bound = 256 * 1024;
    const sink: HttpSink = createHttpSink(options(`http://127.0.0.1:${port}/logs`, { bufferMaxBytes: bound, batchMaxBytes: 8192 }));
    const total = 40_000;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let maxBuffered = 0;
    for (let i = 0; i < total; i += 100) {
      sink.enqueue(Array.from({ length: 100 }, (_, j) => event(i + j, 1000))); // 40 MB offered in all
      maxBuffered = Math.max(maxBuffered, sink.stats.buffered_bytes);
      if (i % 5000 === 0) await sleep(1);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(maxBuffered <= bound, `buffered ${maxBuffered} bytes, bound ${bound}`);
    assert.ok(grown < 16 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MiB after 40 MB was offered`);
    assert.ok(sink.stats.dropped.buffer_full > total - 1000, `${sink.stats.dropped.buffer_full} dropped`);
    assert.ok(sink.stats.last_error !== null);

    const back = await startCollector(() => false, port);
    try {
      await until(() => sink.stats.buffered_events === 0, 'the buffer to drain', 10_000);
      await sink.close();
      const s = sink.stats;
      assert.equal(s.sent + s.dropped.buffer_full + s.dropped.event_too_large + s.dropped.rejected + s.dropped.shutdown, total, 'every event is sent or counted');
      const delivered = ids(back.uploads);
      assert.equal(delivered.length, s.sent);
      const n = delivered.map((d) => Number(d.slice(2)));
      assert.ok(n.every((v, k) => k === 0 || v > n[k - 1]!), 'delivered in order');
      // The batch in flight when the service came back may be older; everything after it is the newest events, none missing.
      const rest = n.slice(back.uploads[0]!.events.length);
      assert.ok(rest.length > 100);
      assert.deepEqual(rest, Array.from({ length: rest.length }, (_, k) => total - rest.length + k), 'the oldest were dropped first');
    } finally {
      await back.stop();
    }
  });

  it('counts what it cannot deliver before shutdownTimeoutMs as dropped at shutdown', async () => {
    const c = await startCollector();
    const port = c.port;
    await c.stop();
    const sink = createHttpSink(options(`http://127.0.0.1:${port}/logs`, { shutdownTimeoutMs: 100 }));
    sink.enqueue([event(1), event(2), event(3)]);
    await sink.close();
    assert.equal(sink.stats.dropped.shutdown, 3);
    assert.equal(sink.stats.buffered_events, 0);
  });

  it('drops (counting) an event larger than a batch, which could never be sent', async () => {
    const c = await startCollector();
    const sink = createHttpSink(options(c.url, { batchMaxBytes: 1024 }));
    try {
      sink.enqueue([event(1, 5000), event(2)]);
      await until(() => sink.stats.sent === 1, 'the small event');
      assert.equal(sink.stats.dropped.event_too_large, 1);
    } finally {
      await sink.close();
      await c.stop();
    }
  });

  it('reads Retry-After as seconds or an HTTP date, and caps it', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('3', now), 3000);
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(retryAfterMs('999999', now), 3_600_000);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
  });
});
