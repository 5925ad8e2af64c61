import { generateKeyPairSync, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SigningKey {
  readonly kid: string;
  /** Private RSA JWK (bench-only key, kept in the git-ignored cache so token sets can be reused). */
  readonly privateJwk: Record<string, unknown>;
  readonly publicJwk: Record<string, unknown>;
}

/** The IdP stand-in's RS256 key: created once per machine under `cacheDir`, reused after. */
export function loadOrCreateKey(cacheDir: string): SigningKey {
  const file = join(cacheDir, 'idp-key.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SigningKey;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const kid = createHash('sha256').update(String(pub['n'])).digest('base64url').slice(0, 16);
  const key: SigningKey = { kid, privateJwk: { ...(privateKey.export({ format: 'jwk' }) as object), kid }, publicJwk: { ...pub, kid } };
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  return key;
}
