import { SidecarError } from '../../src/errors/sidecar-error.ts';
import { checkCompactJws } from '../../src/token/check-compact.ts';
import { checkJoseJson, MAX_JSON_DEPTH } from '../../src/token/check-jose-json.ts';

/**
 * Fuzz target (Jazzer.js shape: `fuzz(data: Buffer)`) for the token parser: the canonical-form
 * check and the strict JSON check of header and claims, everything that runs on a token before
 * a signature is checked. Invariants: only a SidecarError with a 401 token code is thrown; when
 * the checks pass, a segment that parses as JSON (syntax is left to jose, which refuses the rest)
 * is an object within the depth cap.
 */
export function fuzz(data: Buffer): void {
  const token = data.toString('latin1');
  try {
    checkCompactJws(token, 8192);
    const [header, claims] = token.split('.');
    checkJoseJson(header!, 'header');
    checkJoseJson(claims!, 'claims');
  } catch (err) {
    if (err instanceof SidecarError && (err.code === 'invalid_token' || err.code === 'token_too_large') && err.status === 401) return;
    throw new Error(`token parser threw something other than a 401 SidecarError: ${String(err)}`, { cause: err });
  }
  for (const segment of token.split('.').slice(0, 2)) {
    const text = Buffer.from(segment, 'base64url').toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return; // jose's own JSON.parse refuses it with invalid_token
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`accepted a non-object segment: ${text.slice(0, 80)}`);
    if (depth(value) > MAX_JSON_DEPTH) throw new Error('accepted a segment deeper than the cap');
  }
}

function depth(v: unknown): number {
  return v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0;
}
