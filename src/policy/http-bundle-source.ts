import { request } from 'undici';
import { SidecarError } from '../errors/sidecar-error.ts';
import { readCappedBody } from '../lib/read-capped-body.ts';
import type { BundleActivator } from './bundle-activator.ts';
import type { BundleStore } from './bundle-store.ts';
import type { PolicyEngine } from './policy-engine.ts';

export interface HttpBundleOptions {
  readonly url: string;
  /** Sent as the Authorization header (for example `Bearer <token>`); never logged. */
  readonly authorization: string | undefined;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Where the last good bundle is kept; undefined disables persistence. */
  readonly store: BundleStore | undefined;
  readonly onPersistError?: (err: Error) => void;
  /** Each request's outcome (authz_bundle_downloads_total): the only sign of a bundle server that is down. */
  readonly onDownload?: (outcome: BundleDownloadOutcome) => void;
}

/** `downloaded` (200, whether or not the bundle then activates), `not_modified` (304), `failure` (no bundle received). */
export type BundleDownloadOutcome = 'downloaded' | 'not_modified' | 'failure';

export interface DownloadStatus {
  readonly url: string;
  readonly etag: string | undefined;
  readonly lastRequest: string | undefined;
  readonly lastSuccessfulRequest: string | undefined;
  readonly lastSuccessfulDownload: string | undefined;
  readonly lastHttpStatus: number | undefined;
  readonly downloads: number;
  readonly notModified: number;
  readonly failures: number;
  /** The last poll's failure (download or activation); cleared by a successful poll. */
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | undefined;
}

export interface HttpBundleSource {
  /** Activates the persisted bundle (if any), then starts polling (the first request at once, not waited for). */
  start(): Promise<void>;
  /** Resolves when the first poll after start() is done (resolved at once before start). */
  readonly firstPoll: Promise<void>;
  /** One poll now (tests, and the first poll); resolves when it is done. */
  poll(): Promise<void>;
  readonly status: DownloadStatus;
  close(): void;
}

/** First retry delay after a failed poll; doubles per failure up to maxDelayMs (OPA: 100 ms). */
const FIRST_RETRY_MS = 100;

/**
 * OPA's bundle download protocol: GET the bundle URL with `If-None-Match` of the active
 * bundle's ETag; 200 carries a new bundle, 304 means unchanged. Successful polls are spaced by
 * a random delay in [minDelayMs, maxDelayMs] (so a fleet does not poll in step); failures retry
 * sooner, backing off exponentially. A downloaded bundle is activated only if it reads,
 * verifies and compiles, and only then persisted and its ETag adopted.
 *
 * One closure on purpose (longer than 80 lines): the ETag, the poll timer, the backoff and the counters are private state start(), poll(), close() and the status share.
 */
export function createHttpBundleSource(options: HttpBundleOptions, activator: BundleActivator, load: (archive: Buffer) => Promise<PolicyEngine>): HttpBundleSource {
  // For messages: no credentials or query string of the URL ever reach a log or the status API.
  const shown = (() => {
    const u = new URL(options.url);
    return `${u.origin}${u.pathname}`;
  })();
  let etag: string | undefined;
  let lastRequest: string | undefined;
  let lastSuccessfulRequest: string | undefined;
  let lastSuccessfulDownload: string | undefined;
  let lastHttpStatus: number | undefined;
  let downloads = 0;
  let notModified = 0;
  let failures = 0;
  let lastError: DownloadStatus['lastError'];
  let retries = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const abort = new AbortController();
  let polling: Promise<void> | undefined;
  let firstPoll: Promise<void> | undefined;

  const download = async (): Promise<void> => {
    lastRequest = new Date().toISOString();
    const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(options.timeoutMs)]);
    let res;
    try {
      res = await request(options.url, {
        method: 'GET',
        headers: {
          accept: 'application/gzip, application/octet-stream',
          ...(etag ? { 'if-none-match': etag } : {}),
          ...(options.authorization ? { authorization: options.authorization } : {}),
        },
        signal,
      });
    } catch (err) {
      options.onDownload?.('failure');
      throw new SidecarError('bundle_error', `bundle server ${shown} unreachable: ${(err as Error).message}`, { expose: true });
    }
    lastHttpStatus = res.statusCode;
    if (res.statusCode === 304) {
      await res.body.dump();
      notModified++;
      options.onDownload?.('not_modified');
      lastSuccessfulRequest = new Date().toISOString();
      return;
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      options.onDownload?.('failure');
      throw new SidecarError('bundle_error', `bundle server answered ${res.statusCode} for ${shown}`, { expose: true });
    }
    let archive: Buffer;
    try {
      archive = await readCappedBody(
        res.body,
        options.maxBytes,
        () => new SidecarError('bundle_error', `bundle from ${shown} is larger than policy.server.maxBytes (${options.maxBytes})`, { expose: true }),
      );
    } catch (err) {
      options.onDownload?.('failure');
      throw err;
    }
    options.onDownload?.('downloaded');
    const header = res.headers['etag'];
    const nextEtag = Array.isArray(header) ? header[0] : header;
    downloads++;
    lastSuccessfulRequest = lastSuccessfulDownload = new Date().toISOString();
    const rejected = await activator.activate('download', () => load(archive));
    if (rejected) throw rejected;
    etag = nextEtag;
    const revision = activator.engine?.revision ?? '';
    await options.store?.write(archive, nextEtag, revision).catch((err: Error) => options.onPersistError?.(err));
  };

  const schedule = (ok: boolean): void => {
    if (closed) return;
    let delay: number;
    if (ok) {
      retries = 0;
      delay = options.minDelayMs + Math.random() * (options.maxDelayMs - options.minDelayMs);
    } else {
      const base = Math.min(options.maxDelayMs, FIRST_RETRY_MS * 2 ** Math.min(retries++, 20));
      delay = base * (0.8 + Math.random() * 0.4);
    }
    timer = setTimeout(() => void poll(), Math.min(delay, options.maxDelayMs));
    timer.unref();
  };

  const poll = (): Promise<void> => {
    if (polling) return polling;
    clearTimeout(timer);
    polling = download()
      .then(
        () => {
          lastError = undefined;
          schedule(true);
        },
        (err: unknown) => {
          failures++;
          const e = err instanceof SidecarError ? err : new SidecarError('bundle_error', String(err), { expose: true });
          lastError = { code: e.code, message: e.message, at: new Date().toISOString() };
          schedule(false);
        },
      )
      .finally(() => {
        polling = undefined;
      });
    return polling;
  };

  return {
    async start() {
      const persisted = await options.store?.read();
      if (persisted) {
        const err = await activator.activate('persisted', () => load(persisted.archive));
        if (!err) etag = persisted.etag;
      }
      firstPoll = poll();
    },
    get firstPoll() {
      return firstPoll ?? Promise.resolve();
    },
    poll,
    get status() {
      return { url: shown, etag, lastRequest, lastSuccessfulRequest, lastSuccessfulDownload, lastHttpStatus, downloads, notModified, failures, lastError };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      abort.abort();
    },
  };
}
