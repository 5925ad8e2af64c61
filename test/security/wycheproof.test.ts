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
 * Google Wycheproof JWS and JWK vectors (the upstream files, vendored verbatim under
 * test/fixtures/wycheproof, see its README) through the verification module. The issuer's JWKS
 * serves each group's key set, so weak keys are filtered exactly as in production.
 *
 * Two layers run EVERY vector of both files:
 *  - the JWS layer as the verifier composes it: canonical compact form, strict header JSON, the
 *    key resolver (no token-supplied keys, HS* only with the configured secret, the filtered
 *    JWKS), jose's signature check with the algorithm allow-list. Every `invalid` vector must be
 *    rejected here; every `valid` one must be accepted unless the sidecar refuses it on purpose
 *    for a reason listed in `expectationOf` (and the README);
 *  - the whole token verifier, which must answer 401 for every vector, valid or not (the
 *    Wycheproof payloads are not JWT claims sets).
 */
interface Vector {
  tcId: number;
  comment: string;
  jws: string;
  result: 'valid' | 'invalid' | 'acceptable';
  flags: string[];
}
type Jwk = Record<string, unknown>;
/** JWS groups carry one key in `public`/`private`; JWK groups carry a key set (`{ keys }`) there. */
interface Group {
  comment: string;
  public?: Jwk;
  private?: Jwk;
  tests: Vector[];
}
interface VectorFile {
  numberOfTests: number;
  testGroups: Group[];
}
const FILES = [
  ['json_web_signature_test.json', 'jws'],
  ['json_web_key_test.json', 'jwk'],
] as const;
const load = (name: string): VectorFile => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/wycheproof', name), 'utf8')) as VectorFile;

/** The key set the issuer publishes for a group: the public key(s) when given, else the private ones. */
function keySetOf(group: Group): { keys: Jwk[] } {
  const key = group.public ?? group.private;
  if (key === undefined) return { keys: [] };
  return Array.isArray(key['keys']) ? { keys: key['keys'] as Jwk[] } : { keys: [key] };
}
const algOf = (jws: string): string => JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()).alg as string;

const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'];
/**
 * The configured HMAC secret: the 32 zero bytes of the "base64" group's key for that group, a
 * random one otherwise. Scoped because HMAC zero-pads keys to its block size, so 32 zero bytes
 * and the empty key of jwk tc 16 are the same key.
 */
const secretFor = (group: Group): string => (group.comment === 'base64' ? '\u0000'.repeat(32) : 'an unrelated configured secret, 32+ bytes');

/** Marked invalid upstream, but byte-identical to tc 357 (valid): an erratum, see README. */
const ERRATA = new Set(['jws:367', 'jws:370']);
/** Marked valid because lenient decoders skip the "?" inside a segment; the sidecar requires canonical base64url. */
const NON_CANONICAL = new Set(['jws:372', 'jws:373']);

type Expectation = { accept: true; why: string } | { accept: false; why: string };
/**
 * What the JWS layer must do with a vector. Every `valid` vector that is refused is refused for
 * one of the reasons below, each documented in the fixtures' README.
 */
function expectationOf(id: string, group: Group, vector: Vector): Expectation {
  if (ERRATA.has(id)) return { accept: true, why: 'erratum: identical to valid tc 357' };
  if (vector.result !== 'valid') return { accept: false, why: 'marked invalid' };
  if (NON_CANONICAL.has(id)) return { accept: false, why: 'refused: "?" inside a segment is not canonical base64url' };
  const alg = algOf(vector.jws);
  if (!ALGORITHMS.includes(alg)) return { accept: false, why: `refused by the algorithm allow-list (${alg})` };
  if (alg.startsWith('HS') && group.comment !== 'base64') return { accept: false, why: 'refused: HMAC key published in a JWKS' };
  if (vector.jws.split('.')[1] === '') return { accept: false, why: 'refused: empty payload (a JWT always has a claims set)' };
  return { accept: true, why: 'valid' };
}

const all = FILES.flatMap(([file, prefix]) =>
  load(file).testGroups.flatMap((group) => group.tests.map((vector) => ({ id: `${prefix}:${vector.tcId}`, prefix, group, vector }))),
);

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

  for (const { id, group, vector } of all) {
    const expected = expectationOf(id, group, vector);
    it(`${id} ${group.comment} ${vector.comment} (${vector.result}): ${expected.accept ? 'accepted' : 'rejected'} by the JWS layer (${expected.why}), 401 from the verifier`, async () => {
      const keySet = keySetOf(group);
      if (expected.accept) await jwsLayer(vector.jws, keySet, secretFor(group));
      else await assert.rejects(jwsLayer(vector.jws, keySet, secretFor(group)));
      await fullVerifier(vector.jws, secretFor(group));
    });
  }

  it('the vendored files are whole: numberOfTests matches, tcIds run 1..N without gaps', () => {
    for (const [file] of FILES) {
      const { numberOfTests, testGroups } = load(file);
      const ids = testGroups.flatMap((g) => g.tests.map((t) => t.tcId));
      assert.equal(ids.length, numberOfTests, file);
      assert.deepEqual(ids, Array.from({ length: numberOfTests }, (_, i) => i + 1), file);
    }
  });

  it('every vector marked valid (but the non-canonical tc 372/373) verifies with jose and its group key alone: the copy is intact', async () => {
    let verified = 0;
    for (const { id, group, vector } of all) {
      if (vector.result !== 'valid' || NON_CANONICAL.has(id)) continue;
      const alg = algOf(vector.jws);
      const { kid } = JSON.parse(Buffer.from(vector.jws.split('.')[0]!, 'base64url').toString()) as { kid?: string };
      // The published key (symmetric groups publish theirs only as "private"), the one the header names.
      const { keys } = keySetOf(group);
      const jwk = keys.find((k) => k['kid'] === kid) ?? keys[0]!;
      await compactVerify(vector.jws, await importJWK({ ...jwk, alg } as never, alg));
      verified++;
    }
    assert.equal(verified, 49);
  });

  it('tallies every vector: invalid rejected, valid accepted or refused for a listed reason', () => {
    const tally = new Map<string, number>();
    for (const { id, group, vector } of all) {
      const { why } = expectationOf(id, group, vector);
      tally.set(why, (tally.get(why) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...tally].sort()), {
      'erratum: identical to valid tc 357': 2,
      'marked invalid': 374,
      'refused by the algorithm allow-list (ES512)': 2,
      'refused by the algorithm allow-list (HS384)': 1,
      'refused by the algorithm allow-list (HS512)': 1,
      'refused by the algorithm allow-list (PS384)': 6,
      'refused by the algorithm allow-list (PS512)': 4,
      'refused by the algorithm allow-list (RS384)': 4,
      'refused by the algorithm allow-list (RS512)': 4,
      'refused: "?" inside a segment is not canonical base64url': 2,
      'refused: HMAC key published in a JWKS': 5,
      'refused: empty payload (a JWT always has a claims set)': 2,
      valid: 20,
    });
  });

  it('documents the erratum: tc 367 and tc 370 are byte-identical to tc 357, and tc 372/373 carry a "?"', () => {
    const jws = (tc: number) => all.find((v) => v.id === `jws:${tc}`)!.vector.jws;
    assert.equal(jws(367), jws(357));
    assert.equal(jws(370), jws(357));
    assert.equal(jws(372).replace('?', ''), jws(357));
    assert.equal(jws(373).replace('?', ''), jws(357));
  });
});
