/**
 * The IdP stand-in of the fleet simulation, run as its own process (so the load generator's work never
 * delays its answers): discovery, an EdDSA JWKS, and userinfo that verifies the token, counts calls per
 * user and enforces a per-user limit like Auth0's (5 per minute, burst 10): over it, 429 with
 * Retry-After. GET /stats answers the counters; POST /reset clears them.
 *
 *   node fleet-idp.ts <public-jwk-json> <per-minute> <burst>      prints `listening <url>` once bound
 */
import { createServer, type ServerResponse } from 'node:http';
import { createPublicKey, verify } from 'node:crypto';
import type { AddressInfo } from 'node:net';

const [jwkArg, perMinuteArg, burstArg] = process.argv.slice(2) as [string, string, string];
const jwk = JSON.parse(jwkArg) as Record<string, unknown>;
const publicKey = createPublicKey({ key: jwk as never, format: 'jwk' });
const perMinute = Number(perMinuteArg);
const burst = Number(burstArg);
let stats = { userinfo: 0, refused: 0, users: 0 };
let buckets = new Map<string, { n: number; t: number }>();
let issuer = '';

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
};

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/.well-known/openid-configuration') return send(res, 200, { issuer, jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/userinfo` });
  if (path === '/jwks') return send(res, 200, { keys: [jwk] });
  if (path === '/stats') return send(res, 200, stats);
  if (path === '/reset' && req.method === 'POST') {
    stats = { userinfo: 0, refused: 0, users: 0 };
    buckets = new Map();
    return send(res, 200, {});
  }
  if (path !== '/userinfo') return send(res, 404, { error: 'not_found' });
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(req.headers.authorization ?? '');
  if (!m || !verify(null, Buffer.from(`${m[1]}.${m[2]}`), publicKey, Buffer.from(m[3]!, 'base64url'))) return send(res, 401, { error: 'invalid_token' });
  const sub = (JSON.parse(Buffer.from(m[2]!, 'base64url').toString()) as { sub: string }).sub;
  // Auth0's per-user limit as a token bucket: `burst` at once, refilled at `perMinute`.
  const now = Date.now();
  const b = buckets.get(sub) ?? { n: burst, t: now };
  if (!buckets.has(sub)) stats.users++;
  b.n = Math.min(burst, b.n + ((now - b.t) * perMinute) / 60_000);
  b.t = now;
  buckets.set(sub, b);
  if (b.n < 1) {
    stats.refused++;
    return send(res, 429, { error: 'too_many_requests' }, { 'retry-after': String(Math.ceil(((1 - b.n) * 60) / perMinute)) });
  }
  b.n -= 1;
  stats.userinfo++;
  send(res, 200, { sub, name: 'Fleet User', roles: ['orders-viewer'] });
});
server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`listening ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
