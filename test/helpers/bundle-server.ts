import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BundleServer {
  readonly url: string;
  /** Replaces the bundle served from now on (a new ETag). */
  serve(archive: Buffer): void;
  /** Answers every request with this status (e.g. 500) until set to undefined. */
  fail(status: number | undefined): void;
  /** Responses sent, by status code. */
  readonly answered: Map<number, number>;
  /** Authorization headers seen (to prove the configured one is sent). */
  readonly authorizations: Set<string | undefined>;
  stop(): Promise<void>;
}

/**
 * A real bundle server on loopback speaking OPA's bundle protocol: the bundle with a strong
 * ETag, 304 for a matching If-None-Match, 401 without the expected bearer token.
 */
export async function startBundleServer(path: string, archive: Buffer, token: string): Promise<BundleServer> {
  let body = archive;
  let etag = tag(archive);
  let failure: number | undefined;
  const answered = new Map<number, number>();
  const authorizations = new Set<string | undefined>();
  const count = (status: number) => answered.set(status, (answered.get(status) ?? 0) + 1);
  const server: Server = createServer((req, res) => {
    authorizations.add(req.headers.authorization);
    const send = (status: number, content?: Buffer) => {
      count(status);
      res.writeHead(status, content ? { 'content-type': 'application/gzip', etag } : status === 304 ? { etag } : {});
      res.end(content);
    };
    if (failure !== undefined) return send(failure);
    if (req.url !== path) return send(404);
    if (req.headers.authorization !== `Bearer ${token}`) return send(401);
    if (req.headers['if-none-match'] === etag) return send(304);
    send(200, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    serve(next) {
      body = next;
      etag = tag(next);
    },
    fail(status) {
      failure = status;
    },
    answered,
    authorizations,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function tag(archive: Buffer): string {
  return `"${createHash('sha256').update(archive).digest('hex').slice(0, 16)}"`;
}
