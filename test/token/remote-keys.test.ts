import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, SignJWT, type JWK } from 'jose';
import { createRemoteKeys, type RemoteKeysOptions } from '../../src/token/remote-keys.ts';
import { createTokenVerifier } from '../../src/token/verify-token.ts';
import { cacheVerifiedTokens } from '../../src/token/verified-token-cache.ts';
import { rejectsWithCode as rejectsWith } from '../helpers/rejects-with-code.ts';
import { sendJson, startLocalServer, unusedPort, type LocalServer } from '../helpers/local-http.ts';

const ISSUER = 'https://idp.example.com';
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa2048b = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });

const jwkOf = async (key: KeyObject, kid: string): Promise<JWK> => ({ ...(await exportJWK(key)), kid });

function token(privateKey: KeyObject, kid: string): Promise<string> {
  return new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(ISSUER)
    .setExpirationTime('1h')
    .sign(privateKey);
}

/** jose refuses to sign with RSA under 2048 bits, so the weak key's token is signed by hand. */
function handSigned(privateKey: KeyObject, kid: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'RS256', kid })}.${b64({ sub: 'alice', iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

describe('createRemoteKeys', () => {
  /** The JWKS endpoint's behaviour, set per test. */
  let answer: (res: ServerResponse) => void = () => undefined;
  let server: LocalServer;
  let jwksPath = 0;
  let k1: JWK;
  let k2: JWK;
  let weak: JWK;

  before(async () => {
    k1 = await jwkOf(rsa2048.publicKey, 'k1');
    k2 = await jwkOf(rsa2048b.publicKey, 'k2');
    weak = await jwkOf(rsa1024.publicKey, 'weak');
    server = await startLocalServer((_req, res) => answer(res));
  });
  after(() => server.close());

  /** A fresh URL per test, so jose's per-URL state and request counts never leak between tests. */
  function setup(overrides: Partial<RemoteKeysOptions> = {}) {
    const path = `/jwks/${++jwksPath}`;
    const refused: Array<{ kid: string | undefined; reason: string }> = [];
    const keys = createRemoteKeys({
      jwksUri: `${server.origin}${path}`,
      timeoutMs: 3000, // generous: success paths must not time out on a loaded machine
      cooldownMs: 30000,
      cacheMaxAgeMs: 600000,
      onRefused: (kid, reason) => refused.push({ kid, reason }),
      ...overrides,
    });
    const verify = createTokenVerifier({
      issuer: ISSUER,
      audience: undefined,
      algorithms: ['RS256'],
      clockToleranceSeconds: 0,
      maxBytes: 8192,
      typ: undefined,
      hmacSecret: undefined,
      keys,
    });
    return { verify, keys, refused, fetches: () => server.requestCount(path) };
  }

  test('verifies a token with a key from the JWKS and caches the set', async () => {
    answer = (res) => sendJson(res, 200, { keys: [k1] });
    const { verify, fetches } = setup();
    const t = await token(rsa2048.privateKey, 'k1');
    assert.equal((await verify(t)).payload.sub, 'alice');
    assert.equal((await verify(t)).payload.sub, 'alice');
    assert.equal(fetches(), 1);
  });

  test('concurrent verifications on a cold cache fetch the JWKS once', async () => {
    answer = (res) => setTimeout(() => sendJson(res, 200, { keys: [k1] }), 30);
    const { verify, fetches } = setup();
    const t = await token(rsa2048.privateKey, 'k1');
    await Promise.all(Array.from({ length: 10 }, () => verify(t)));
    assert.equal(fetches(), 1);
  });

  test('a JWKS server that is down is keys_unavailable (503), not invalid_token', async () => {
    const { verify } = setup({ jwksUri: `http://127.0.0.1:${await unusedPort()}/jwks`, timeoutMs: 300, cooldownMs: 0, cacheMaxAgeMs: 1000 });
    await rejectsWith(verify(await token(rsa2048.privateKey, 'k1')), 'keys_unavailable', 503, /could not be fetched/);
  });

  test('a JWKS answering 500 is keys_unavailable', async () => {
    answer = (res) => sendJson(res, 500, { error: 'boom' });
    const { verify } = setup();
    await rejectsWith(verify(await token(rsa2048.privateKey, 'k1')), 'keys_unavailable', 503);
  });

  test('a malformed JWKS is keys_unavailable', async () => {
    answer = (res) => sendJson(res, 200, '{"keys": [');
    const { verify } = setup();
    await rejectsWith(verify(await token(rsa2048.privateKey, 'k1')), 'keys_unavailable', 503);
  });

  test('a JSON document that is not a JWKS is keys_unavailable', async () => {
    answer = (res) => sendJson(res, 200, { keys: 'none' });
    const { verify } = setup();
    await rejectsWith(verify(await token(rsa2048.privateKey, 'k1')), 'keys_unavailable', 503);
  });

  test('a JWKS server slower than timeoutMs is keys_unavailable within about the timeout', async () => {
    answer = () => undefined; // never answers
    const { verify } = setup({ timeoutMs: 150 });
    const t = await token(rsa2048.privateKey, 'k1');
    const started = performance.now();
    await rejectsWith(verify(t), 'keys_unavailable', 503);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 1000, `took ${elapsed} ms`);
  });

  test('a JWKS larger than maxBytes is keys_unavailable', async () => {
    answer = (res) => sendJson(res, 200, { keys: [k1], padding: 'x'.repeat(10000) });
    const { verify } = setup({ maxBytes: 4096 });
    await rejectsWith(verify(await token(rsa2048.privateKey, 'k1')), 'keys_unavailable', 503, /larger than/);
  });

  test('a 1024-bit key in the JWKS is refused and reported; tokens it signed are invalid_token', async () => {
    answer = (res) => sendJson(res, 200, { keys: [weak, k1] });
    const { verify, refused } = setup();
    await rejectsWith(verify(handSigned(rsa1024.privateKey, 'weak')), 'invalid_token', 401, /no issuer key/);
    assert.deepEqual(refused.map((r) => r.kid), ['weak']);
    assert.match(refused[0]!.reason, /1024 bits/);
    // The strong key of the same set still works, also for a token signed the same way by hand.
    assert.equal((await verify(handSigned(rsa2048.privateKey, 'k1'))).payload.sub, 'alice');
  });

  test('private members in the JWKS are stripped, and the public key still verifies', async () => {
    const leaky = { ...(await exportJWK(rsa2048.privateKey)), kid: 'k1' };
    assert.ok('d' in leaky);
    answer = (res) => sendJson(res, 200, { keys: [leaky] });
    const { verify } = setup();
    assert.equal((await verify(await token(rsa2048.privateKey, 'k1'))).payload.sub, 'alice');
  });

  test('an unknown kid does not refetch within the cooldown', async () => {
    answer = (res) => sendJson(res, 200, { keys: [k1] });
    const { verify, fetches } = setup({ cooldownMs: 30000 });
    await verify(await token(rsa2048.privateKey, 'k1'));
    assert.equal(fetches(), 1);
    const unknown = await token(rsa2048b.privateKey, 'k2');
    for (let i = 0; i < 5; i++) await rejectsWith(verify(unknown), 'invalid_token', 401);
    assert.equal(fetches(), 1);
  });

  test('an unknown kid refetches once after the cooldown and picks up a rotated key', async () => {
    answer = (res) => sendJson(res, 200, { keys: [k1] });
    const { verify, fetches } = setup({ cooldownMs: 100 });
    await verify(await token(rsa2048.privateKey, 'k1'));
    const rotated = await token(rsa2048b.privateKey, 'k2');
    await rejectsWith(verify(rotated), 'invalid_token', 401);
    assert.equal(fetches(), 1);

    answer = (res) => sendJson(res, 200, { keys: [k1, k2] });
    await sleep(150);
    assert.equal((await verify(rotated)).payload.sub, 'alice');
    assert.equal(fetches(), 2);
  });

  test('after the cooldown, a still-unknown kid refetches once, then waits again', async () => {
    answer = (res) => sendJson(res, 200, { keys: [k1] });
    const { verify, fetches } = setup({ cooldownMs: 100 });
    await verify(await token(rsa2048.privateKey, 'k1'));
    await sleep(150);
    const unknown = await token(rsa2048b.privateKey, 'k2');
    for (let i = 0; i < 5; i++) await rejectsWith(verify(unknown), 'invalid_token', 401);
    assert.equal(fetches(), 2);
  });

  test('the set is refetched after cacheMaxAgeMs', async () => {
    answer = (res) => sendJson(res, 200, { keys: [k1] });
    const { verify, fetches } = setup({ cacheMaxAgeMs: 100, cooldownMs: 0 });
    const t = await token(rsa2048.privateKey, 'k1');
    await verify(t);
    await sleep(150);
    await verify(t);
    assert.equal(fetches(), 2);
  });

  test('the key set epoch moves when a fetched JWKS drops a key, not when one is added or kept', async () => {
    answer = (res) => sendJson(res, 200, { keys: [k1] });
    const { verify, keys, fetches } = setup({ cacheMaxAgeMs: 100, cooldownMs: 0 });
    const t1 = await token(rsa2048.privateKey, 'k1');
    const t2 = await token(rsa2048b.privateKey, 'k2');
    /** Verifies `t` once the set is stale, so jose refetches it first. */
    const afterRefetch = async (t: string): Promise<void> => {
      const before = fetches();
      await sleep(120);
      await verify(t);
      assert.equal(fetches(), before + 1);
    };
    await verify(t1);
    const first = keys.keySetEpoch();
    assert.equal(typeof first, 'number');
    answer = (res) => sendJson(res, 200, { keys: [k1, k2] });
    await afterRefetch(t2);
    assert.equal(keys.keySetEpoch(), first, 'a key added');
    answer = (res) => sendJson(res, 200, { keys: [k2, { ...k1 }] });
    await afterRefetch(t1);
    assert.equal(keys.keySetEpoch(), first, 'the same keys in another order');
    answer = (res) => sendJson(res, 200, { keys: [k2] });
    await afterRefetch(t2);
    const second = keys.keySetEpoch();
    assert.ok(typeof second === 'number' && second !== first, 'k1 dropped');
    answer = (res) => sendJson(res, 500, { error: 'boom' });
    await sleep(120);
    await rejectsWith(verify(t2), 'keys_unavailable', 503);
    assert.equal(keys.keySetEpoch(), second, 'a failed fetch removes nothing');
  });

  // Regression: the verified-token cache kept serving a token verified by a key the issuer had since removed
  // from its JWKS, for its whole TTL. Now a cached verification is not served after a fetched JWKS drops a key,
  // and the JWKS is refetched once stale even when every request is a cache hit.
  describe('a key removed from the JWKS stops verifying cached tokens', () => {
    /** The verifier behind the sidecar's verified-token cache, on a set that is stale after 150 ms. */
    function cachedSetup() {
      const { verify, keys, fetches } = setup({ cacheMaxAgeMs: 150, cooldownMs: 0 });
      return { cached: cacheVerifiedTokens(verify, { ttlSeconds: 600, maxEntries: 100, keys }), fetches };
    }
    /** Waits for the background refetch a hit on the stale set started, and for jose to apply its answer. */
    async function refetched(fetches: () => number, count: number): Promise<void> {
      for (let i = 0; i < 50 && fetches() < count; i++) await sleep(10);
      assert.equal(fetches(), count, 'a hit on a stale set refetches it in the background');
      await sleep(20);
    }

    test('cached tokens of the removed key are refused once the JWKS is refetched; the kept key still hits', async () => {
      answer = (res) => sendJson(res, 200, { keys: [k1, k2] });
      const { cached, fetches } = cachedSetup();
      try {
        const by1 = await token(rsa2048.privateKey, 'k1');
        const by2 = await token(rsa2048b.privateKey, 'k2');
        assert.equal((await cached(by1)).payload.sub, 'alice');
        assert.equal((await cached(by2)).payload.sub, 'alice');
        assert.equal(fetches(), 1);

        answer = (res) => sendJson(res, 200, { keys: [k2] }); // the issuer drops k1
        await sleep(200); // the set is now older than cacheMaxAgeMs
        // A cache hit: it starts the background refetch, and is still served from the old set.
        assert.equal((await cached(by2)).payload.sub, 'alice');
        await refetched(fetches, 2);

        await rejectsWith(cached(by1), 'invalid_token', 401);
        assert.equal((await cached(by2)).payload.sub, 'alice', 'a token of the kept key verifies again and is served');
      } finally {
        cached.close();
      }
    });

    test('a key added to the JWKS leaves cached verifications alone', async () => {
      answer = (res) => sendJson(res, 200, { keys: [k1] });
      const { cached, fetches } = cachedSetup();
      try {
        const by1 = await token(rsa2048.privateKey, 'k1');
        const first = await cached(by1);
        answer = (res) => sendJson(res, 200, { keys: [k1, k2] });
        await sleep(200);
        await cached(by1);
        await refetched(fetches, 2);
        assert.equal(await cached(by1), first, 'the same frozen verification: no key was removed, so no second verification');
      } finally {
        cached.close();
      }
    });
  });
});
