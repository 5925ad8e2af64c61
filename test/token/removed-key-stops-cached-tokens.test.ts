import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, SignJWT, type JWK } from 'jose';
import { createRemoteKeys } from '../../src/token/remote-keys.ts';
import { createTokenVerifier } from '../../src/token/verify-token.ts';
import { cacheVerifiedTokens } from '../../src/token/verified-token-cache.ts';
import { rejectsWithCode } from '../helpers/rejects-with-code.ts';
import { sendJson, startLocalServer, type LocalServer } from '../helpers/local-http.ts';

/**
 * Regression: the verified-token cache kept a token verified by a key the issuer had since removed from its
 * JWKS for its whole TTL. Now a cached verification is not served after a fetched JWKS drops a key, and the
 * JWKS is refetched once stale even when every request is a cache hit (src/token/remote-keys.ts). Real
 * tokens, real jose, a real JWKS server on loopback.
 */
const ISSUER = 'https://idp.example.com';
const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b = generateKeyPairSync('rsa', { modulusLength: 2048 });

const token = (key: KeyObject, kid: string, sub: string): Promise<string> =>
  new SignJWT({ sub }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(ISSUER).setExpirationTime('1h').sign(key);

describe('a key removed from the JWKS stops verifying cached tokens', () => {
  let keys: JWK[] = [];
  let server: LocalServer;
  let ka: JWK;
  let kb: JWK;
  let path = 0;

  before(async () => {
    ka = { ...(await exportJWK(a.publicKey)), kid: 'a' };
    kb = { ...(await exportJWK(b.publicKey)), kid: 'b' };
    server = await startLocalServer((_req, res: ServerResponse) => sendJson(res, 200, { keys }));
  });
  after(() => server.close());

  function cachedVerifier(cacheMaxAgeMs: number) {
    const jwksPath = `/jwks/${++path}`;
    const remote = createRemoteKeys({ jwksUri: `${server.origin}${jwksPath}`, timeoutMs: 3000, cooldownMs: 0, cacheMaxAgeMs });
    const verify = createTokenVerifier({
      issuer: ISSUER,
      audience: undefined,
      algorithms: ['RS256'],
      clockToleranceSeconds: 0,
      maxBytes: 8192,
      typ: undefined,
      hmacSecret: undefined,
      keys: remote,
    });
    const cached = cacheVerifiedTokens(verify, { ttlSeconds: 600, maxEntries: 100, keys: remote });
    return { cached, fetches: () => server.requestCount(jwksPath) };
  }

  test('cached tokens of the removed key are refused once the JWKS is refetched; the kept key still hits', async () => {
    keys = [ka, kb];
    const { cached, fetches } = cachedVerifier(150);
    try {
      const byA = await token(a.privateKey, 'a', 'alice');
      const byB = await token(b.privateKey, 'b', 'bob');
      assert.equal((await cached(byA)).payload.sub, 'alice');
      assert.equal((await cached(byB)).payload.sub, 'bob');
      assert.equal(fetches(), 1);

      keys = [kb]; // the issuer drops key a
      await sleep(200); // the set is now older than cacheMaxAgeMs
      // Both are cache hits: the first one starts the background refetch, and is still served from the old set.
      assert.equal((await cached(byB)).payload.sub, 'bob');
      for (let i = 0; i < 50 && fetches() < 2; i++) await sleep(10);
      assert.equal(fetches(), 2, 'a hit on a stale set refetches it in the background');
      await sleep(20); // jose applies the set after reading its body

      await rejectsWithCode(cached(byA), 'invalid_token', 401);
      assert.equal((await cached(byB)).payload.sub, 'bob', 'a token of the kept key verifies again and is served');
    } finally {
      cached.close();
    }
  });

  test('a key added to the JWKS leaves cached verifications alone', async () => {
    keys = [ka];
    const { cached, fetches } = cachedVerifier(150);
    let verified = 0;
    try {
      const byA = await token(a.privateKey, 'a', 'alice');
      const first = await cached(byA);
      verified++;
      keys = [ka, kb];
      await sleep(200);
      await cached(byA);
      for (let i = 0; i < 50 && fetches() < 2; i++) await sleep(10);
      await sleep(20);
      assert.equal(fetches(), 2);
      assert.equal(await cached(byA), first, 'the same frozen verification: no key was removed, so no second verification');
      assert.equal(verified, 1);
    } finally {
      cached.close();
    }
  });
});
