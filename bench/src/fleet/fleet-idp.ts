/**
 * The IdP stand-in of the fleet simulation, in the driver's process: discovery, an EdDSA JWKS, tokens
 * for any subject, and userinfo that verifies the token, counts calls per user and enforces a per-user
 * limit like Auth0's (5 per minute, burst 10): over it, 429 with Retry-After.
 */
import { createServer, type Server } from 'node:http';
import { createPrivateKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FleetIdp {
  readonly issuer: string;
  token(sub: string, audience: string, ttlSeconds: number): string;
  readonly stats: { userinfo: number; refused: number; perUser: Map<string, number> };
  reset(): void;
  stop(): Promise<void>;
}

export async function startFleetIdp(perMinute = 5, burst = 10): Promise<FleetIdp> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'fleet-1', alg: 'EdDSA', use: 'sig' };
  const key: KeyObject = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const stats = { userinfo: 0, refused: 0, perUser: new Map<string, number>() };
  const buckets = new Map<string, { n: number; t: number }>();
  let issuer = '';
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
  };
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/.well-known/openid-configuration') return send(res, 200, { issuer, jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/userinfo` });
    if (path === '/jwks') return send(res, 200, { keys: [jwk] });
    if (path !== '/userinfo') return send(res, 404, { error: 'not_found' });
    const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(req.headers.authorization ?? '');
    if (!m || !verify(null, Buffer.from(`${m[1]}.${m[2]}`), publicKey, Buffer.from(m[3]!, 'base64url'))) return send(res, 401, { error: 'invalid_token' });
    const sub = (JSON.parse(Buffer.from(m[2]!, 'base64url').toString()) as { sub: string }).sub;
    // Auth0's per-user limit as a token bucket: burst, refilled at perMinute.
    const now = Date.now();
    const b = buckets.get(sub) ?? { n: burst, t: now };
    b.n = Math.min(burst, b.n + ((now - b.t) * perMinute) / 60_000);
    b.t = now;
    buckets.set(sub, b);
    if (b.n < 1) {
      stats.refused++;
      return send(res, 429, { error: 'too_many_requests' }, { 'retry-after': String(Math.ceil(((1 - b.n) * 60) / perMinute)) });
    }
    b.n -= 1;
    stats.userinfo++;
    stats.perUser.set(sub, (stats.perUser.get(sub) ?? 0) + 1);
    send(res, 200, { sub, name: 'Fleet User', roles: ['orders-viewer'] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return {
    issuer,
    stats,
    token(sub, audience, ttlSeconds) {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64({ alg: 'EdDSA', kid: 'fleet-1', typ: 'JWT' })}.${b64({ iss: issuer, sub, aud: audience, azp: 'fleet-client', scope: 'openid', iat: now, exp: now + ttlSeconds })}`;
      return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
    },
    reset() {
      stats.userinfo = 0;
      stats.refused = 0;
      stats.perUser.clear();
      buckets.clear();
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
