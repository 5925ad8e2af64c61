import { createServer, type Server } from 'node:http';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';

/** A key pair the tests hold, with the JWK the issuer publishes for it. */
export interface HeldKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256' | 'PS256';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

/**
 * A minimal OIDC issuer on 127.0.0.1 (node:http): discovery and a JWKS that tests can replace,
 * with the private keys in the test's hands so any token, however malformed, can be built and
 * signed byte for byte. No userinfo endpoint: attack tokens carry their roles themselves, so a
 * token that slipped through verification would be allowed by the sample policy.
 */
export interface AttackIdp {
  readonly issuer: string;
  readonly rsa: HeldKey;
  readonly ec: HeldKey;
  /** JWKS requests served so far. */
  readonly jwksFetches: () => number;
  /** Every request path seen, in order (to prove nothing else was fetched). */
  readonly paths: () => readonly string[];
  /** Replaces the published key set (any JSON). */
  setJwks(jwks: unknown): void;
  /** Claims every test token starts from: issuer, audience, `sub`, roles that would allow, exp in an hour. */
  claims(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Signs raw header and claims text (JSON or not) with a held key, or with HMAC over `hmacKey`. */
  signRaw(headerText: string | Buffer, claimsText: string | Buffer, key?: HeldKey | { hmacKey: Buffer | string }): string;
  /** Signs JSON header and claims; the header gets `alg` and `kid` of the key unless given. */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>, key?: HeldKey): string;
  stop(): Promise<void>;
}

export const b64u = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

export function rsaKey(kid: string, modulusLength = 2048, alg: 'RS256' | 'PS256' = 'RS256'): HeldKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { kid, alg, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

export function ecKey(kid: string): HeldKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}

export function signingInput(headerText: string | Buffer, claimsText: string | Buffer): string {
  return `${b64u(headerText)}.${b64u(claimsText)}`;
}

export function signWith(input: string, key: HeldKey | { hmacKey: Buffer | string }): Buffer {
  if ('hmacKey' in key) return createHmac('sha256', key.hmacKey).update(input).digest();
  if (key.alg === 'ES256') return sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  if (key.alg === 'PS256') return sign('sha256', Buffer.from(input), { key: key.privateKey, padding: 6, saltLength: 32 });
  return sign('sha256', Buffer.from(input), key.privateKey);
}

export async function startAttackIdp(): Promise<AttackIdp> {
  const rsa = rsaKey('rsa-1');
  const ec = ecKey('ec-1');
  let jwks: unknown = { keys: [rsa.jwk, ec.jwk] };
  let fetches = 0;
  const paths: string[] = [];
  let issuer = '';
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') return json({ issuer, jwks_uri: `${issuer}/jwks` });
    if (req.url === '/jwks') {
      fetches++;
      return json(jwks);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const signRaw: AttackIdp['signRaw'] = (headerText, claimsText, key = rsa) => {
    const input = signingInput(headerText, claimsText);
    return `${input}.${b64u(signWith(input, key))}`;
  };
  return {
    issuer,
    rsa,
    ec,
    jwksFetches: () => fetches,
    paths: () => paths,
    setJwks(next) {
      jwks = next;
    },
    claims(extra = {}) {
      const now = Math.floor(Date.now() / 1000);
      return { iss: issuer, aud: DEMO_AUDIENCE, sub: 'mallory', roles: ['admin'], iat: now, exp: now + 3600, ...extra };
    },
    signRaw,
    sign(claims, header = {}, key = rsa) {
      return signRaw(JSON.stringify({ alg: key.alg, kid: key.kid, ...header }), JSON.stringify(claims), key);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
