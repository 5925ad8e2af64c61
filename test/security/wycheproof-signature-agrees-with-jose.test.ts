import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { ROOT } from '../helpers/bundles.ts';
import { ALGORITHMS } from '../../src/config/spec.ts';
import { filterJwks } from '../../src/token/filter-jwks.ts';
import { readCompact, verifySignature } from '../../src/token/verify-signature.ts';
import { createKeyResolver } from '../../src/token/verify-token.ts';

/**
 * Protects the signature layer of src/token/verify-signature.ts: node:crypto's synchronous verify
 * accepts and refuses every Google Wycheproof JWS and JWK vector (test/fixtures/wycheproof) exactly
 * as jose's compactVerify on WebCrypto does, with the same error class and message. Every algorithm
 * the configuration knows is allowed here (wycheproof.test.ts runs the default allow-list), so the
 * RS384/512, PS384/512 and ES512 vectors reach a signature check too. The key set is the group's,
 * filtered as the issuer's JWKS is in production (filterJwks); no canonical-form check runs first,
 * so the hand-over of malformed tokens to jose is exercised as well.
 */
interface Vector {
  tcId: number;
  comment: string;
  jws: string;
  result: string;
}
interface Group {
  comment: string;
  public?: Record<string, unknown>;
  private?: Record<string, unknown>;
  tests: Vector[];
}
const load = (name: string): Group[] =>
  (JSON.parse(readFileSync(join(ROOT, 'test/fixtures/wycheproof', name), 'utf8')) as { testGroups: Group[] }).testGroups;
const vectors = [
  ...load('json_web_signature_test.json').map((group) => ({ prefix: 'jws', group })),
  ...load('json_web_key_test.json').map((group) => ({ prefix: 'jwk', group })),
].flatMap(({ prefix, group }) => group.tests.map((vector) => ({ id: `${prefix}:${vector.tcId}`, group, vector })));

const algorithms: ReadonlySet<string> = new Set(ALGORITHMS);

/** As wycheproof.test.ts: the "base64" group's key is the configured HMAC secret there. */
const secretFor = (group: Group): string => (group.comment === 'base64' ? '\u0000'.repeat(32) : 'an unrelated configured secret, 32+ bytes');

function resolverFor(group: Group): JWTVerifyGetKey {
  const key = group.public ?? group.private;
  const keySet = key === undefined ? { keys: [] } : Array.isArray(key['keys']) ? key : { keys: [key] };
  let keys: JWTVerifyGetKey;
  try {
    keys = createLocalJWKSet(filterJwks(keySet) as never);
  } catch (err) {
    keys = () => Promise.reject(err);
  }
  return createKeyResolver({ hmacSecret: secretFor(group), keys });
}

async function outcome(run: () => Promise<{ payload: Uint8Array; protectedHeader: unknown }>): Promise<unknown> {
  try {
    const { payload, protectedHeader } = await run();
    return { accepted: { payload: Buffer.from(payload).toString('base64url'), protectedHeader } };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    return { refused: { class: e.constructor.name, message: e.message, code: e.code } };
  }
}

describe('Wycheproof vectors: the synchronous signature check agrees with jose compactVerify', () => {
  for (const { id, group, vector } of vectors) {
    it(`${id} ${group.comment} ${vector.comment} (${vector.result})`, async () => {
      const ours = await outcome(() => verifySignature(vector.jws, resolverFor(group), algorithms));
      const jose = await outcome(() => compactVerify(vector.jws, resolverFor(group), { algorithms: [...algorithms] }));
      assert.deepEqual(ours, jose);
    });
  }

  it('most vectors reach the synchronous check (the rest go to jose whole)', () => {
    const taken = vectors.filter(({ vector }) => readCompact(vector.jws, algorithms) !== undefined).length;
    assert.ok(taken >= 300, `${taken} of ${vectors.length}`);
  });
});
