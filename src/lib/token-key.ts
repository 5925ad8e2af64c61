import { hash } from 'node:crypto';

/**
 * The key of anything about one token (a cached verification, an introspection answer, a remembered
 * refusal): the SHA-256 of the whole compact token, base64url, so the token itself is never held as a
 * key. One definition for both layers: src/claims/fetch-claims.ts reuses the verified-token cache's key
 * (src/token/verified-token-cache.ts) instead of hashing the token again, which holds only while the two
 * are the same text.
 */
export function tokenKey(token: string): string {
  return hash('sha256', token, 'base64url');
}
