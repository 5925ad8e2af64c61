import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { unlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Config, Listen } from '../config/config.ts';

export interface RunningServer {
  readonly server: Server;
  /** `http://127.0.0.1:8181` or `unix:/path/to.sock`. */
  readonly url: string;
  /** Requests being served now. */
  readonly inFlight: number;
  /** Stops accepting, lets in-flight requests finish, then closes idle connections. */
  close(): Promise<void>;
  /**
   * Graceful stop: answers every further response with `Connection: close`, stops accepting,
   * waits for in-flight requests up to `timeoutMs`, then closes what is left. Resolves with the
   * number of requests cut by the timeout (0 when every request was answered).
   */
  shutdown(timeoutMs: number): Promise<{ cut: number }>;
}

export interface ServerHooks {
  onRequestStart?(): void;
  onRequestEnd?(): void;
}

/**
 * Starts node:http with every limit set explicitly (Node's defaults are 300 s request and 60 s
 * header timeouts), on the configured loopback address or Unix socket (or `listen` when given,
 * for the diagnostics listener).
 *
 * One function on purpose (longer than 80 lines): the in-flight set, the draining flag and the close promise are shared by the request tracker, close() and shutdown().
 */
export async function startServer(handler: RequestListener, config: Config, listen: Listen = config.listen, hooks: ServerHooks = {}): Promise<RunningServer> {
  let inFlight = 0;
  let draining = false;
  const active = new Set<ServerResponse>();
  const track = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    active.add(res);
    hooks.onRequestStart?.();
    let done = false;
    const end = (): void => {
      if (done) return;
      done = true;
      inFlight--;
      active.delete(res);
      hooks.onRequestEnd?.();
      // While draining, a connection whose last request just ended must not wait for keep-alive.
      if (draining) setImmediate(() => server.closeIdleConnections());
    };
    res.once('finish', end);
    res.once('close', end);
    if (draining) res.setHeader('connection', 'close');
    handler(req, res);
  };
  const server = createServer(
    {
      maxHeaderSize: config.http.maxHeaderBytes,
      requestTimeout: config.http.requestTimeoutMs,
      headersTimeout: config.http.headersTimeoutMs,
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs),
    },
    track,
  );
  if (listen.kind === 'unix') await unlink(listen.path).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (listen.kind === 'unix') server.listen(listen.path, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
  const addr = server.address();
  const url =
    typeof addr === 'string' || addr === null
      ? `unix:${String(addr)}`
      : `http://${(addr as AddressInfo).family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  let closed: Promise<void> | undefined;
  // server.close() waits for every connection to end but closes only those idle right now: a
  // keep-alive client (a proxy's pool) that keeps sending on its open connections would hold the
  // process, and the decision log's flush, forever. So from here every answer closes its
  // connection, and connections that become idle are closed as they do.
  const close = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve) => {
      draining = true;
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.close(() => {
        clearInterval(sweep);
        resolve();
      });
      server.closeIdleConnections();
    }));
  return {
    server,
    url,
    get inFlight() {
      return inFlight;
    },
    close,
    async shutdown(timeoutMs) {
      draining = true;
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, timeoutMs, 'timeout')));
      const outcome = await Promise.race([close().then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'closed') return { cut: 0 };
      const cut = inFlight;
      server.closeAllConnections();
      await close();
      return { cut };
    },
  };
}
