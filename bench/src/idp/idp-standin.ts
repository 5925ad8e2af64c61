/**
 * The IdP stand-in, run as its own process (pinned beside the load generator, off the target's
 * core): OIDC discovery, the JWKS, and userinfo answering after a fixed small latency, as a nearby
 * IdP would. It checks each userinfo token's RS256 signature and expiry (a real IdP refuses
 * forged tokens) and derives the subject's roles from its name: `u<count>-<id>` holds `<count>`
 * roles, of which only `orders-viewer` is known to the policy.
 *
 *   node idp-standin.ts <port> <public-jwk.json> <latency-ms>
 *
 * Prints `listening <url>` on stdout once bound. GET /stats returns the call counters.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rolesOf } from './subjects.ts';

const [portArg, jwkPath, latencyArg] = process.argv.slice(2);
const port = Number(portArg);
const latencyMs = Number(latencyArg ?? '2');
const jwk = JSON.parse(readFileSync(jwkPath!, 'utf8')) as { kid: string; [k: string]: unknown };
const publicKey = createPublicKey({ key: jwk as never, format: 'jwk' });
const issuer = `http://127.0.0.1:${port}`;
const stats = { discovery: 0, jwks: 0, userinfo: 0, userinfo_refused: 0 };

const discovery = JSON.stringify({
  issuer,
  jwks_uri: `${issuer}/jwks`,
  userinfo_endpoint: `${issuer}/userinfo`,
  token_endpoint: `${issuer}/token`,
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
});
const jwks = JSON.stringify({ keys: [{ ...jwk, use: 'sig', alg: 'RS256' }] });
// userinfo bodies differ only by `sub`; the roles array is serialised once per role count.
const rolesJson = new Map<number, string>();

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function subjectOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization ?? '');
  if (!m) return undefined;
  if (!verify('sha256', Buffer.from(`${m[1]}.${m[2]}`), publicKey, Buffer.from(m[3]!, 'base64url'))) return undefined;
  const payload = JSON.parse(Buffer.from(m[2]!, 'base64url').toString('utf8')) as { sub?: unknown; exp?: unknown };
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return undefined;
  return typeof payload.sub === 'string' ? payload.sub : undefined;
}

function userinfo(req: IncomingMessage, res: ServerResponse): void {
  const sub = subjectOf(req.headers.authorization);
  setTimeout(() => {
    if (sub === undefined) {
      stats.userinfo_refused++;
      return send(res, 401, '{"error":"invalid_token"}');
    }
    stats.userinfo++;
    const count = rolesOf(sub);
    let roles = rolesJson.get(count);
    if (roles === undefined) {
      roles = JSON.stringify(Array.from({ length: count }, (_, i) => (i === 0 ? 'orders-viewer' : `api-${String(i).padStart(5, '0')}-reader`)));
      rolesJson.set(count, roles);
    }
    send(res, 200, `{"sub":${JSON.stringify(sub)},"name":"Bench User","roles":${roles},"groups":[]}`);
  }, latencyMs);
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
    stats.discovery++;
    return send(res, 200, discovery);
  }
  if (req.method === 'GET' && path === '/jwks') {
    stats.jwks++;
    return send(res, 200, jwks);
  }
  if ((req.method === 'GET' || req.method === 'POST') && path === '/userinfo') return userinfo(req, res);
  if (req.method === 'GET' && path === '/stats') return send(res, 200, JSON.stringify(stats));
  send(res, 404, '{"error":"not_found"}');
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
