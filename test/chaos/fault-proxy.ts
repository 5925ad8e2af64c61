import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does to the IdP's traffic. `other_sub` rewrites userinfo answers to name another subject. */
export type IdpFault =
  | { readonly mode: 'pass' }
  | { readonly mode: 'slow'; readonly delayMs: number }
  | { readonly mode: 'down' }
  | { readonly mode: 'error'; readonly status: number }
  | { readonly mode: 'other_sub'; readonly answer: Record<string, unknown> };

export interface FaultProxy {
  readonly url: string;
  set(fault: IdpFault): void;
  /** Requests seen, by path and the fault applied (`/userinfo slow`). */
  readonly seen: Map<string, number>;
  stop(): Promise<void>;
}

/**
 * A fault-injecting HTTP proxy in front of the real demo IdP: the only part of the chaos run that is
 * not a real server behaving normally, because no real IdP can be told to be slow, to fail or to
 * answer for someone else on cue. In `pass` mode it forwards bytes unchanged. `down` resets every
 * connection (as a dead host behind a load balancer does), `error` answers every request with that
 * status, `slow` holds the answer back, `other_sub` answers userinfo with another subject's claims.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let fault: IdpFault = { mode: 'pass' };
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const f = fault;
    seen.set(`${path} ${f.mode}`, (seen.get(`${path} ${f.mode}`) ?? 0) + 1);
    if (f.mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (f.mode === 'error') {
      res.writeHead(f.status, { 'content-type': 'application/json' }).end('{"error":"server_error"}');
      return;
    }
    if (f.mode === 'other_sub' && path === '/userinfo') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(f.answer));
      return;
    }
    const forward = (): void => {
      const up = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (f.mode === 'slow') setTimeout(forward, f.delayMs).unref();
    else forward();
  };
  const server: Server = createServer(handle);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set(next) {
      fault = next;
      // Kept-alive connections would otherwise keep talking to a "dead" IdP.
      if (next.mode === 'down') for (const s of sockets) s.destroy();
    },
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
