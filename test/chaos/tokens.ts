import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Rng } from './rng.ts';
import type { Subject, TokenKind } from './oracle.ts';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The private JWK, for the IdP's key store. */
  readonly jwk: JWK;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, jwk };
}

/**
 * The subjects of the run: a quarter admins, a quarter orders-viewers, a quarter orders-viewers through
 * the `/order-readers` group, a quarter without roles. Roles live only at the IdP (userinfo).
 */
export function makeSubjects(count: number): Subject[] {
  return Array.from({ length: count }, (_, i) => {
    const sub = `chaos-${String(i).padStart(4, '0')}`;
    switch (i % 4) {
      case 0:
        return { sub, roles: ['admin'], groups: [] };
      case 1:
        return { sub, roles: ['orders-viewer'], groups: [] };
      case 2:
        return { sub, roles: [], groups: ['/order-readers'] };
      default:
        return { sub, roles: [], groups: [] };
    }
  });
}

export interface Minter {
  /** The key the IdP signs with now (changes on rotation). */
  current: SigningKey;
  token(kind: TokenKind, subject: Subject, rng: Rng): Promise<string>;
}

/**
 * Mints the run's tokens as the IdP would (same issuer, audience, client, RS256, the IdP's current key),
 * and the bad ones: expired (past the 30 s clock tolerance), forged (signed by a key the IdP never
 * published, under the IdP's own `kid`), malformed. Valid tokens are cached per subject and key, as a
 * client reuses its access token.
 */
export function createMinter(issuer: string, audience: string, clientId: string, first: SigningKey, forger: SigningKey): Minter {
  const cache = new Map<string, string>();
  const sign = (key: CryptoKey, kid: string, sub: string, exp: number): Promise<string> =>
    new SignJWT({ azp: clientId, scope: 'openid' })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(sub)
      .setIssuedAt(exp - 3600)
      .setExpirationTime(exp)
      .sign(key);
  const minter: Minter = {
    current: first,
    async token(kind, subject, rng) {
      const now = Math.floor(Date.now() / 1000);
      const key = minter.current;
      switch (kind) {
        case 'valid': {
          const id = `${key.kid} ${subject.sub}`;
          let t = cache.get(id);
          if (!t) {
            t = await sign(key.privateKey, key.kid, subject.sub, now + 3600);
            cache.set(id, t);
          }
          return t;
        }
        case 'expired':
          return sign(key.privateKey, key.kid, subject.sub, now - 600 - rng.int(3600));
        case 'forged':
          return sign(forger.privateKey, key.kid, subject.sub, now + 3600);
        case 'malformed': {
          const valid = await minter.token('valid', subject, rng);
          const [h, p, s] = valid.split('.') as [string, string, string];
          return rng.pick([
            'garbage',
            `${h}.${p}`,
            `${h}.${p}.${s}=`,
            `${h}.${p}.${s.slice(0, -4)}`,
            `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`,
            `${h}.${p.slice(0, 10)}.${s}`,
            'x'.repeat(9000),
          ]);
        }
        case 'none':
          return '';
      }
    },
  };
  return minter;
}
