import { createServer, type RequestListener, type Server } from 'node:http';
import { unlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/config.ts';

export interface RunningServer {
  readonly server: Server;
  /** `http://127.0.0.1:8181` or `unix:/path/to.sock`. */
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish, then closes idle connections. */
  close(): Promise<void>;
}

/**
 * Starts node:http with every limit set explicitly (Node's defaults are 300 s request and 60 s
 * header timeouts), on the configured loopback address or Unix socket.
 */
export async function startServer(handler: RequestListener, config: Config): Promise<RunningServer> {
  const server = createServer(
    {
      maxHeaderSize: config.http.maxHeaderBytes,
      requestTimeout: config.http.requestTimeoutMs,
      headersTimeout: config.http.headersTimeoutMs,
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.http.headersTimeoutMs),
    },
    handler,
  );
  const listen = config.listen;
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
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        // server.close() waits for every connection to end but closes only those idle right now: a
        // keep-alive client (a proxy's pool) that keeps sending on its open connections would hold
        // the process, and the decision log's flush, forever. So every answer from now on closes
        // its connection, and connections that become idle are closed as they do.
        server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
