import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SidecarError, toSidecarError } from '../../errors/sidecar-error.ts';
import type { LogIndex } from './log-index.ts';
import type { ReplayView } from './replay-view.ts';
import { createExplorerApi } from './explorer-api.ts';
import { loadPageAssets } from './page-assets.ts';

/**
 * The page may load scripts, styles, images and data from this server only; nothing inline, no
 * plugin, no frame, no form post; and (Trusted Types) no HTML built from strings at all, so text
 * from the log can only ever reach the page as text.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface ExplorerServerOptions {
  readonly index: LogIndex;
  readonly replay?: ReplayView;
  readonly host: string;
  readonly port: number;
  /** Required on /api/* as `Authorization: Bearer <token>`; set when bound to anything but loopback. */
  readonly token?: string;
  /** Where unexpected errors are written (their detail never reaches the page). */
  readonly log?: (line: string) => void;
}

export interface ExplorerServer {
  /** `http://host:port/`, without the token. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1 or localhost: the addresses that need no access token. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The explorer's own small node:http server: GET only, the page's assets and its JSON API, every
 * answer with a strict Content-Security-Policy. On loopback it answers only requests whose Host
 * names loopback (a web page cannot reach it through DNS rebinding); bound elsewhere, the API
 * needs the access token.
 */
export async function startExplorerServer(options: ExplorerServerOptions): Promise<ExplorerServer> {
  if (!isLoopback(options.host) && !options.token) throw new TypeError('audit serve: an access token is required to bind anything but loopback');
  const assets = loadPageAssets();
  const api = createExplorerApi(options.index, options.replay);
  const expected = options.token === undefined ? undefined : digest(options.token);
  let allowedHosts: ReadonlySet<string> | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, { code: 'invalid_request', message: 'the explorer is read-only: GET only' });
    }
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      throw new SidecarError('forbidden', 'this Host is not the explorer\'s loopback address');
    }
    const url = new URL(req.url ?? '/', 'http://explorer.invalid');
    if (!url.pathname.startsWith('/api/')) {
      const asset = assets.get(url.pathname);
      if (!asset) throw new SidecarError('not_found', `no such page: ${url.pathname}`);
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', 'content-length': asset.body.length });
      res.end(req.method === 'HEAD' ? undefined : asset.body);
      return;
    }
    if (expected) {
      const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) throw new SidecarError('admin_unauthorized', 'the access token printed by audit serve is required');
    }
    send(res, 200, await api(url), req.method === 'HEAD');
  };

  const server: Server = createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    handle(req, res).catch((err: unknown) => {
      const e = toSidecarError(err);
      if (!e.expose) options.log?.(`audit serve: ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      if (!res.headersSent) send(res, e.status, { code: e.code, message: e.expose ? e.message : 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  if (isLoopback(options.host)) allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostPart}:${port}`]);
  return {
    url: `http://${hostPart}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headOnly = false): void {
  const json = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': json.length });
  res.end(headOnly ? undefined : json);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
