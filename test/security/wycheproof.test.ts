import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { ROOT } from '../helpers/bundles.ts';
import { startAttackIdp, type AttackIdp } from '../helpers/attack-idp.ts';
import { checkCompactJws } from '../../src/token/check-compact.ts';
import { checkJoseJson } from '../../src/token/check-jose-json.ts';
import { createRemoteKeys } from '../../src/token/remote-keys.ts';
import { createKeyResolver, createTokenVerifier } from '../../src/token/verify-token.ts';
import { SidecarError } from '../../src/errors/sidecar-error.ts';

/**
 * Google Wycheproof JWS and JWK vectors (extracts vendored under test/fixtures/wycheproof, see its
 * README) through the verification module. The issuer's JWKS serves each group's public key set,
 * so weak keys are filtered exactly as in production.
 *
 * Two layers run every vector:
 *  - the JWS layer as the verifier composes it: canonical compact form, strict header JSON, the
 *    key resolver (no token-supplied keys, HS* only with the configured secret, the filtered
 *    JWKS), jose's signature check with the algorithm allow-list. Every `invalid` vector must be
 *    rejected here, and the listed `valid` ones accepted (which also proves the extract is intact);
 *  - the whole token verifier, which must answer 401 for every vector, valid or not (the
 *    Wycheproof payloads are not JWT claims sets).
 */
type Vector = [tcId: number, comment: string, jws: string, result: 'valid' | 'invalid'];
interface Group {
  comment: string;
  public?: Record<string, unknown>;
  private?: Record<string, unknown>;
  keys?: Record<string, unknown>[];
  tests: Vector[];
}
const load = (name: string): Group[] => (JSON.parse(readFileSync(join(ROOT, 'test/fixtures/wycheproof', name), 'utf8')) as { groups: Group[] }).groups;

const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];
/**
 * The configured HMAC secret: the 32 zero bytes of the "base64" group's key for that group, a
 * random one otherwise. Scoped because HMAC zero-pads keys to its block size, so 32 zero bytes
 * and the empty key of jwk tc 16 are the same key.
 */
const secretFor = (group: Group): string => (group.comment === 'base64' ? '\u0000'.repeat(32) : 'an unrelated configured secret, 32+ bytes');

/**
 * `valid` vectors the sidecar is expected to accept at the JWS layer. Valid vectors not listed are
 * refused on purpose, each for a documented reason (README of the fixtures):
 * HS256 keys published in a JWKS (symmetric keys are never taken from a JWKS; HMAC uses only the
 * configured secret), and tc 372/373, which carry a "?" inside a segment and are marked valid only
 * because lenient decoders skip it.
 */
const MUST_ACCEPT = new Set(['jws:18', 'jws:33', 'jws:345', 'jws:357', 'jws:358', 'jws:359', 'jws:376', 'jws:377', 'jws:378', 'jwk:5']);
/** Marked invalid upstream, but byte-identical to tc 357 (valid): an erratum, see README. */
const ERRATA = new Set(['jws:367', 'jws:370']);

describe('Wycheproof JWS and JWK vectors through the verification module', () => {
  let idp: AttackIdp;
  before(async () => {
    idp = await startAttackIdp();
  });
  after(() => idp.stop());

  async function jwsLayer(jws: string, keys: unknown, secret: string): Promise<void> {
    idp.setJwks(keys);
    const remote = createRemoteKeys({ jwksUri: `${idp.issuer}/jwks`, timeoutMs: 2000, cooldownMs: 0, cacheMaxAgeMs: 600_000 });
    checkCompactJws(jws, 8192);
    checkJoseJson(jws.split('.')[0]!, 'header');
    await compactVerify(jws, createKeyResolver({ hmacSecret: secret, keys: remote }), { algorithms: ALGORITHMS });
  }

  async function fullVerifier(jws: string, secret: string): Promise<void> {
    const verify = createTokenVerifier({
      issuer: idp.issuer,
      audience: undefined,
      algorithms: ALGORITHMS,
      clockToleranceSeconds: 30,
      maxBytes: 8192,
      typ: undefined,
      hmacSecret: secret,
      keys: createRemoteKeys({ jwksUri: `${idp.issuer}/jwks`, timeoutMs: 2000, cooldownMs: 0, cacheMaxAgeMs: 600_000 }),
    });
    await assert.rejects(verify(jws), (err: unknown) => err instanceof SidecarError && err.status === 401);
  }

  for (const [file, prefix] of [['json_web_signature_test.extract.json', 'jws'], ['json_web_key_test.extract.json', 'jwk']] as const) {
    for (const group of load(file)) {
      const keySet = { keys: group.keys ?? [group.public ?? group.private].filter(Boolean) };
      for (const [tcId, comment, jws, result] of group.tests) {
        const id = `${prefix}:${tcId}`;
        const expectAccept = MUST_ACCEPT.has(id) || ERRATA.has(id);
        it(`${id} ${group.comment} ${comment} (${result}): ${expectAccept ? 'accepted' : 'rejected'} by the JWS layer, 401 from the verifier`, async () => {
          if (expectAccept) await jwsLayer(jws, keySet, secretFor(group));
          else await assert.rejects(jwsLayer(jws, keySet, secretFor(group)));
          await fullVerifier(jws, secretFor(group));
        });
      }
    }
  }

  it('every valid vector it accepts also verifies with jose and the raw key alone (the extract is intact)', async () => {
    for (const [file, prefix] of [['json_web_signature_test.extract.json', 'jws'], ['json_web_key_test.extract.json', 'jwk']] as const) {
      for (const group of load(file)) {
        for (const [tcId, , jws] of group.tests) {
          if (!MUST_ACCEPT.has(`${prefix}:${tcId}`)) continue;
          const jwk = (group.keys?.[0] ?? group.public ?? group.private)!;
          const alg = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()).alg as string;
          await compactVerify(jws, await importJWK({ ...jwk, alg } as never, alg));
        }
      }
    }
  });

  it('documents the erratum: tc 367 and tc 370 are byte-identical to tc 357', () => {
    const base64 = load('json_web_signature_test.extract.json').find((g) => g.comment === 'base64')!;
    const jws = (tc: number) => base64.tests.find((t) => t[0] === tc)![2];
    assert.equal(jws(367), jws(357));
    assert.equal(jws(370), jws(357));
  });
});
