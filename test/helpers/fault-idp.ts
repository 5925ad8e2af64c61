import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/** One answer of an endpoint; `claims` is what a well-behaved IdP would answer. */
export interface FaultContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly claims: Record<string, unknown>;
  /** Sends `claims` (or `body`) as JSON with status 200, like a healthy IdP. */
  ok(body?: unknown): void;
}
export type Behaviour = (ctx: FaultContext) => void | Promise<void>;

export const TEST_CLIENT_ID = 'authz-sidecar-test';
export const TEST_CLIENT_SECRET = 'test-secret with spaces & symbols';
export const TEST_AUDIENCE = 'orders-service';

/**
 * The ways an IdP endpoint misbehaves, each produced for real by a node:http handler: the sidecar
 * sees exactly what it would see from a broken IdP on the network.
 */
export const faults = {
  slow: (ms: number): Behaviour => (ctx) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        if (!ctx.res.destroyed) ctx.ok();
        resolve();
      }, ms);
      ctx.res.on('close', () => {
        clearTimeout(t);
        resolve();
      });
    }),
  /** Waits, then behaves like `then` (a slow failure, so concurrent callers overlap). */
  after: (ms: number, then: Behaviour): Behaviour => async (ctx) => {
    await new Promise((r) => setTimeout(r, ms));
    if (!ctx.res.destroyed) await then(ctx);
  },
  status: (code: number, body = 'upstream failure', type = 'text/plain'): Behaviour => ({ res }) => {
    res.writeHead(code, { 'content-type': type }).end(body);
  },
  redirect: (): Behaviour => ({ res }) => {
    res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
  },
  html: (): Behaviour => ({ res }) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>');
  },
  /** Announces a longer body than it sends, then cuts the connection. */
  truncated: (): Behaviour => ({ res, claims }) => {
    const body = JSON.stringify(claims);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 50) });
    res.write(body.slice(0, Math.floor(body.length / 2)));
    setTimeout(() => res.socket?.destroy(), 10);
  },
  malformed: (): Behaviour => ({ res }) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"sub": "alice", "roles": [');
  },
  huge: (bytes: number): Behaviour => ({ res, claims }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...claims, padding: 'x'.repeat(bytes) }));
  },
  reset: (): Behaviour => ({ req }) => {
    req.socket.resetAndDestroy();
  },
  subMismatch: (): Behaviour => (ctx) => ctx.ok({ ...ctx.claims, sub: 'mallory' }),
  unauthorized: (): Behaviour => ({ res }) => {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' }).end('{"error":"invalid_token"}');
  },
};

export interface FaultIdp {
  readonly issuer: string;
  /** What userinfo and introspection do next; the healthy default when unset. */
  userinfo: Behaviour | undefined;
  introspection: Behaviour | undefined;
  /** Calls that reached each endpoint, by subject (`?` when unknown). */
  readonly calls: { readonly userinfo: Map<string, number>; readonly introspection: Map<string, number> };
  total(endpoint: 'userinfo' | 'introspection'): number;
  /** Extra claims userinfo and introspection answer per subject (roles, groups, …). */
  readonly users: Map<string, Record<string, unknown>>;
  /** Opaque tokens the IdP issued, with what introspection says about them. */
  readonly opaque: Map<string, Record<string, unknown>>;
  /** An access token signed by the IdP's key: `sub`, `aud`, `azp`, `scope`, `exp` in an hour, and `claims`. */
  token(claims?: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  /** Signs anything with the IdP's key (or another key), for userinfo JWTs and logout tokens. */
  sign(payload: JWTPayload, header?: Record<string, unknown>, key?: CryptoKey): Promise<string>;
  /** A key pair the IdP does not publish. */
  readonly strangerKey: CryptoKey;
  stop(): Promise<void>;
}

// RSA key generation takes ~100 ms here; every IdP of a test process shares the same two pairs.
let keyPairs: Promise<[CryptoKeyPair, CryptoKeyPair]> | undefined;
type CryptoKeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };

/** A small OIDC provider on loopback (discovery, JWKS, userinfo, introspection) whose endpoints can be told to fail. */
export async function startFaultIdp(): Promise<FaultIdp> {
  keyPairs ??= Promise.all([generateKeyPair('RS256'), generateKeyPair('RS256')]);
  const [{ publicKey, privateKey }, stranger] = await keyPairs;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' };
  const sockets = new Set<Socket>();
  const calls = { userinfo: new Map<string, number>(), introspection: new Map<string, number>() };
  const users = new Map<string, Record<string, unknown>>();
  const opaque = new Map<string, Record<string, unknown>>();
  let issuer = '';

  const count = (endpoint: 'userinfo' | 'introspection', sub: string): void => {
    calls[endpoint].set(sub, (calls[endpoint].get(sub) ?? 0) + 1);
  };
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const claimsOf = (token: string): Record<string, unknown> | undefined => {
    if (opaque.has(token)) return opaque.get(token);
    try {
      return decodeJwt(token) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const idp: FaultIdp = {
    issuer: '',
    userinfo: undefined,
    introspection: undefined,
    calls,
    total: (endpoint) => [...calls[endpoint].values()].reduce((a, b) => a + b, 0),
    users,
    opaque,
    strangerKey: stranger.privateKey,
    token: (claims = {}, header = {}) =>
      idp.sign({ sub: 'alice', aud: TEST_AUDIENCE, azp: 'some-caller', scope: 'openid', exp: Math.floor(Date.now() / 1000) + 3600, ...claims }, header),
    sign: (payload, header = {}, key = privateKey) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT', ...header })
        .setIssuer((payload.iss as string | undefined) ?? issuer)
        .setIssuedAt()
        .sign(key),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/.well-known/openid-configuration') {
      json(res, 200, { issuer, jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/userinfo`, introspection_endpoint: `${issuer}/introspect` });
    } else if (path === '/jwks') {
      json(res, 200, { keys: [jwk] });
    } else if (path === '/userinfo') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const tc = claimsOf(token);
      const sub = typeof tc?.['sub'] === 'string' ? tc['sub'] : '?';
      count('userinfo', sub);
      const claims = { sub, ...users.get(sub) };
      await (idp.userinfo ?? ((ctx) => ctx.ok()))({ req, res, claims, ok: (body = claims) => json(res, 200, body) });
    } else if (path === '/introspect') {
      const form = new URLSearchParams(await readBody(req));
      const expected = `Basic ${Buffer.from(`${enc(TEST_CLIENT_ID)}:${enc(TEST_CLIENT_SECRET)}`).toString('base64')}`;
      const tc = claimsOf(form.get('token') ?? '');
      const sub = typeof tc?.['sub'] === 'string' ? tc['sub'] : '?';
      count('introspection', sub);
      if (req.headers.authorization !== expected) return json(res, 401, { error: 'invalid_client' });
      const active = tc !== undefined && form.get('token_type_hint') === 'access_token' && (tc['active'] ?? true) === true;
      const claims = active ? { ...tc, active: true, iss: issuer, ...users.get(sub) } : { active: false };
      await (idp.introspection ?? ((ctx) => ctx.ok()))({ req, res, claims, ok: (body = claims) => json(res, 200, body) });
    } else {
      json(res, 404, { error: 'not_found' });
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  (idp as { issuer: string }).issuer = issuer;
  return idp;
}

function enc(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

/** A fresh jti for logout tokens. */
export const jti = (): string => randomUUID();
