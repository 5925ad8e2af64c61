import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { Agent, request } from 'undici';
import type { ProcessLog } from '../lib/process-log.ts';
import { createUploadBuffer } from './upload-buffer.ts';

const gzip = promisify(gzipCb);

export interface HttpSinkOptions {
  /** Where batches are POSTed (OPA's decision log API: gzip JSON array). */
  readonly url: string;
  readonly bearerToken?: string | undefined;
  /** Largest batch, uncompressed JSON bytes; also the largest event that can be sent. */
  readonly batchMaxBytes: number;
  /** A partial batch waits at most this long. */
  readonly flushIntervalMs: number;
  readonly bufferMaxEvents: number;
  readonly bufferMaxBytes: number;
  readonly timeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** How long close() keeps trying to deliver what is buffered. */
  readonly shutdownTimeoutMs: number;
  readonly log: ProcessLog;
}

export interface HttpSinkStats {
  readonly url: string;
  readonly sent: number;
  readonly buffered_events: number;
  readonly buffered_bytes: number;
  readonly dropped: {
    readonly buffer_full: number;
    readonly event_too_large: number;
    readonly rejected: number;
    readonly shutdown: number;
  };
  readonly uploads: { readonly ok: number; readonly failed: number };
  readonly last_error: string | null;
  /** When the next attempt may start after a failure (backoff or Retry-After). */
  readonly retry_at: string | null;
}

export interface HttpSink {
  /** Queues events (never blocks; evicts the oldest when full). */
  enqueue(events: readonly string[]): void;
  /** Delivers within `shutdownTimeoutMs`; what is left is counted as dropped (`shutdown`). */
  close(): Promise<void>;
  readonly stats: HttpSinkStats;
}

/** A server's Retry-After is honoured up to this, so a misconfigured one cannot park the sink for days. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Ships events to an OPA-compatible decision log service: batches of at most `batchMaxBytes`,
 * sent when a batch is full or `flushIntervalMs` after the first event, as a gzip'd JSON array.
 *
 * Failures: a network error, timeout, 408, 429 or 5xx keeps the batch (at the front of the
 * buffer) and waits before the next attempt, for the server's Retry-After when it sends one,
 * else an exponential backoff with jitter. Any other answer (3xx, 4xx) would fail the same way
 * again, so that batch is dropped and counted as `rejected`. While the service is down the
 * bounded buffer (upload-buffer.ts) evicts the oldest events; memory stays under
 * `bufferMaxBytes` plus the batch in flight.
 *
 * One closure on purpose (longer than 80 lines): the buffer, the batch in flight and the retry timer are private state enqueue(), close() and the status share.
 */
export function createHttpSink(options: HttpSinkOptions): HttpSink {
  const { log } = options;
  const shownUrl = withoutCredentials(options.url);
  const buffer = createUploadBuffer(options.bufferMaxEvents, options.bufferMaxBytes, options.batchMaxBytes);
  const agent = new Agent({ connections: 2, connectTimeout: Math.min(options.timeoutMs, 10_000) });
  const stopping = new AbortController();
  let sent = 0;
  let rejected = 0;
  let shutdownDrops = 0;
  let ok = 0;
  let failed = 0;
  let failures = 0;
  let retryAt = 0;
  let lastError: string | null = null;
  let inflight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closing = false;

  const backoff = (): number => {
    const base = Math.min(options.retryMaxMs, options.retryInitialMs * 2 ** Math.min(failures - 1, 30));
    return Math.round(base * (0.5 + Math.random() / 2));
  };

  const upload = async (batch: string[]): Promise<void> => {
    try {
      const body = await gzip(`[${batch.join(',')}]`);
      const res = await request(options.url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          ...(options.bearerToken ? { authorization: `Bearer ${options.bearerToken}` } : {}),
        },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), stopping.signal]),
      });
      await res.body.dump();
      const status = res.statusCode;
      if (status >= 200 && status < 300) {
        sent += batch.length;
        ok++;
        failures = 0;
        retryAt = 0;
        if (lastError !== null) log.info('decision log upload works again', { url: shownUrl });
        lastError = null;
        return;
      }
      if (status === 408 || status === 429 || status >= 500) {
        fail(batch, `HTTP ${status}`, retryAfterMs(res.headers['retry-after']));
        return;
      }
      rejected += batch.length;
      failed++;
      lastError = `HTTP ${status}: the batch of ${batch.length} events was refused and dropped (retrying cannot help)`;
      log.error('decision log upload refused; batch dropped', { url: shownUrl, status, events: batch.length });
    } catch (err) {
      fail(batch, (err as Error).message || String(err), undefined);
    }
  };

  const fail = (batch: string[], reason: string, retryAfter: number | undefined): void => {
    failed++;
    failures++;
    const delay = retryAfter ?? backoff();
    retryAt = Date.now() + delay;
    if (lastError === null) log.warn('decision log upload failed; retrying', { url: shownUrl, detail: reason, retry_in_ms: delay });
    lastError = reason;
    buffer.putBack(batch);
  };

  const arm = (delayMs: number): void => {
    if (closing || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      kick();
    }, Math.max(0, delayMs));
    timer.unref();
  };

  // Starts an upload when one may start; otherwise makes sure a timer will try again.
  const kick = (): void => {
    if (closing || inflight || buffer.events === 0) return;
    const wait = retryAt - Date.now();
    if (wait > 0) return arm(wait);
    const batch = buffer.take(options.batchMaxBytes);
    inflight = upload(batch).finally(() => {
      inflight = undefined;
      if (buffer.events === 0) return;
      if (retryAt > Date.now()) arm(retryAt - Date.now());
      else if (buffer.bytes >= options.batchMaxBytes) kick();
      else arm(options.flushIntervalMs);
    });
  };

  return {
    enqueue(events) {
      buffer.push(events);
      if (buffer.bytes >= options.batchMaxBytes) kick();
      else arm(options.flushIntervalMs);
    },
    async close() {
      closing = true;
      clearTimeout(timer);
      timer = undefined;
      const deadline = Date.now() + options.shutdownTimeoutMs;
      const giveUp = setTimeout(() => stopping.abort(), options.shutdownTimeoutMs);
      try {
        await inflight;
        while (buffer.events > 0 && !stopping.signal.aborted) {
          const wait = retryAt - Date.now();
          if (wait > 0) {
            if (Date.now() + wait >= deadline) break;
            await new Promise((r) => setTimeout(r, wait));
          }
          await upload(buffer.take(options.batchMaxBytes));
        }
      } finally {
        clearTimeout(giveUp);
        const left = buffer.clear();
        shutdownDrops += left;
        if (left > 0) log.error('decision log upload: events left undelivered at shutdown', { url: shownUrl, events: left, detail: lastError });
        await agent.destroy().catch(() => undefined);
      }
    },
    get stats() {
      return {
        url: shownUrl,
        sent,
        buffered_events: buffer.events,
        buffered_bytes: buffer.bytes,
        dropped: { ...buffer.drops, rejected, shutdown: shutdownDrops },
        uploads: { ok, failed },
        last_error: lastError,
        retry_at: retryAt > Date.now() ? new Date(retryAt).toISOString() : null,
      };
    },
  };
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** The URL as shown in stats and logs: user info (`https://user:secret@…`) removed. */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}
