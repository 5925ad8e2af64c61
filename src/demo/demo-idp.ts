import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';
import { DEMO_AUDIENCE, DEMO_CLIENT_ID, DEMO_USERS, type DemoUser } from './demo-users.ts';

export interface DemoIdp {
  readonly issuer: string;
  readonly server: OAuth2Server;
  stop(): Promise<void>;
}

export interface DemoIdpOptions {
  readonly port?: number;
  readonly host?: string;
  readonly users?: Readonly<Record<string, DemoUser>>;
}

/**
 * An OIDC-conformant provider on loopback (oauth2-mock-server): discovery, JWKS, RS256 JWT access
 * tokens that carry only the subject (no roles), and a userinfo endpoint that answers each
 * user's roles and groups. Unlike the stock mock it checks the bearer token's signature and
 * expiry at userinfo, so a forged or expired token is refused there as a real IdP would.
 */
export async function startDemoIdp(options: DemoIdpOptions = {}): Promise<DemoIdp> {
  const users = options.users ?? DEMO_USERS;
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    // Subject-only: whatever the grant, the token says who, for which audience, and nothing else.
    token.payload['aud'] = DEMO_AUDIENCE;
    token.payload['azp'] = DEMO_CLIENT_ID;
    delete token.payload['amr'];
  });
  server.service.on('beforeUserinfo', (response: { body: unknown; statusCode: number }, req: { headers: Record<string, string | undefined> }) => {
    const sub = subjectOf(req.headers['authorization'], server);
    if (sub === undefined) {
      response.statusCode = 401;
      response.body = { error: 'invalid_token' };
      return;
    }
    const user = users[sub];
    response.body = user ? { sub, name: user.name, roles: user.roles, groups: user.groups } : { sub, roles: [], groups: [] };
  });
  const host = options.host ?? '127.0.0.1';
  await server.start(options.port ?? 0, host);
  // The mock names itself http://localhost:<port>; the issuer should be the address it is bound to.
  server.issuer.url = `http://${host}:${server.address().port}`;
  return { issuer: server.issuer.url!, server, stop: () => server.stop() };
}

/** Synchronous RS256 check (the mock's hooks are synchronous): the subject of a valid token, else undefined. */
function subjectOf(authorization: string | undefined, server: OAuth2Server): string | undefined {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization ?? '');
  if (!m) return undefined;
  try {
    const header = JSON.parse(Buffer.from(m[1]!, 'base64url').toString()) as { kid?: string; alg?: string };
    const jwk = server.issuer.keys.toJSON().find((k: { kid?: string }) => k.kid === header.kid);
    if (!jwk || header.alg !== 'RS256') return undefined;
    const ok = cryptoVerify('sha256', Buffer.from(`${m[1]}.${m[2]}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(m[3]!, 'base64url'));
    if (!ok) return undefined;
    const payload = JSON.parse(Buffer.from(m[2]!, 'base64url').toString()) as { sub?: unknown; exp?: number };
    if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return undefined;
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}
