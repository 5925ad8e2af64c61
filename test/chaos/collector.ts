import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type CollectorFault = { readonly mode: 'ok' } | { readonly mode: 'down' } | { readonly mode: 'slow'; readonly delayMs: number };

export interface Collector {
  readonly url: string;
  set(fault: CollectorFault): void;
  /** decision_id -> how many times it was received (more than once: a duplicate delivery). */
  readonly received: Map<string, number>;
  readonly batches: number;
  stop(): Promise<void>;
}

/**
 * A decision-log service speaking OPA's decision log API (POST, gzip JSON array of events), on
 * loopback. `down` resets connections, `slow` answers late (below the sidecar's upload timeout, so a
 * slow batch is delivered once, not retried).
 */
export async function startCollector(): Promise<Collector> {
  let fault: CollectorFault = { mode: 'ok' };
  const received = new Map<string, number>();
  let batches = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (fault.mode === 'down') {
      req.socket.destroy();
      return;
    }
    const f = fault;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (): void => {
        // A batch counts as received only when its 200 leaves: a connection cut before would be retried.
        if (fault.mode === 'down') {
          req.socket.destroy();
          return;
        }
        let events: { decision_id?: string }[];
        try {
          const raw = Buffer.concat(chunks);
          const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
          events = JSON.parse(text) as { decision_id?: string }[];
        } catch {
          res.writeHead(400).end();
          return;
        }
        batches++;
        for (const e of events) if (e.decision_id) received.set(e.decision_id, (received.get(e.decision_id) ?? 0) + 1);
        res.writeHead(200).end();
      };
      if (f.mode === 'slow') setTimeout(answer, f.delayMs).unref();
      else answer();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/logs`,
    set(next) {
      fault = next;
      if (next.mode === 'down') for (const s of sockets) s.destroy();
    },
    received,
    get batches() {
      return batches;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
