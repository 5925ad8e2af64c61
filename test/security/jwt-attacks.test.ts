import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteKeys } from '../../src/token/remote-keys.ts';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from '../../src/token/verify-token.ts';
import { DEMO_AUDIENCE } from '../../src/demo/demo-users.ts';
import { startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { assertRefused, JWT_ATTACKS, TOLERANCE } from './jwt-attacks.ts';

describe('JWT attacks through the verification module', () => {
  let idp: AttackIdp;
  const verifiers: Record<string, TokenVerifier> = {};
  const options = (extra: Partial<TokenVerifierOptions> = {}): TokenVerifierOptions => ({
    issuer: idp.issuer,
    audience: [DEMO_AUDIENCE],
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    clockToleranceSeconds: TOLERANCE,
    maxBytes: 8192,
    typ: undefined,
    hmacSecret: undefined,
    keys: createRemoteKeys({ jwksUri: `${idp.issuer}/jwks`, timeoutMs: 2000, cooldownMs: 30_000, cacheMaxAgeMs: 600_000 }),
    ...extra,
  });
  before(async () => {
    idp = await startAttackIdp();
    verifiers['default'] = createTokenVerifier(options());
    // HS256 allowed with a configured shared secret: the issuer's public key must still never act as one.
    verifiers['HS256 enabled'] = createTokenVerifier(options({ algorithms: ['RS256', 'ES256', 'HS256'], hmacSecret: 's'.repeat(32) }));
  });
  after(() => idp.stop());

  it('accepts the legitimate tokens the attacks are derived from (the suite can fail)', async () => {
    for (const verify of Object.values(verifiers)) {
      assert.equal((await verify(idp.sign(idp.claims()))).payload.sub, 'mallory');
      assert.equal((await verify(idp.sign(idp.claims(), {}, idp.ec))).payload.sub, 'mallory');
    }
  });

  it(`accepts exp, nbf and iat inside the ${TOLERANCE} s clock tolerance`, async () => {
    const now = Math.floor(Date.now() / 1000);
    const verify = verifiers['default']!;
    await verify(idp.sign(idp.claims({ exp: now - TOLERANCE + 15 })));
    await verify(idp.sign(idp.claims({ nbf: now + TOLERANCE - 15 })));
    await verify(idp.sign(idp.claims({ iat: now + TOLERANCE - 15 })));
  });

  for (const attack of JWT_ATTACKS) {
    it(`refuses: ${attack.name}`, async () => {
      const token = attack.token(idp);
      for (const [config, verify] of Object.entries(verifiers)) {
        await assertRefused(verify, token, attack.code ?? 'invalid_token', attack.reason).catch((err: Error) => {
          throw new Error(`[${config}] ${err.message}`, { cause: err });
        });
      }
    });
  }

  it('refuses a typ mismatch when token.typ is configured, and accepts the configured typ', async () => {
    const verify = createTokenVerifier(options({ typ: 'at+jwt' }));
    await assertRefused(verify, idp.sign(idp.claims(), { typ: 'JWT' }), 'invalid_token', /typ/);
    await assertRefused(verify, idp.sign(idp.claims()), 'invalid_token', /typ/);
    await assertRefused(verify, idp.sign(idp.claims(), { typ: 'at+jwt ' }), 'invalid_token', /typ/);
    assert.equal((await verify(idp.sign(idp.claims(), { typ: 'at+jwt' }))).payload.sub, 'mallory');
  });

  it('never fetched a key from a URL named in a token', async () => {
    // The catalogue's jku/x5u point at other paths of this issuer; only discovery and /jwks may ever be requested.
    assert.ok(idp.jwksFetches() >= 1);
    assert.deepEqual([...new Set(idp.paths())], ['/jwks']);
  });
});
