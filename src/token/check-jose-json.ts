import { SidecarError } from '../errors/sidecar-error.ts';
import { findJsonHazard } from '../lib/json-hazard.ts';

/** Deepest nesting of objects and arrays accepted in a token header or claims set. */
export const MAX_JSON_DEPTH = 16;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Checks one JOSE segment (the protected header or the claims set) before jose parses it:
 * strict UTF-8 (no BOM, no replacement of bad bytes), a top-level JSON object, no duplicate
 * member names at any level, no `__proto__` member, and at most MAX_JSON_DEPTH levels.
 * Why: jose's JSON.parse keeps the last duplicate (`"sub":"alice","sub":"admin"` verifies as
 * admin) and accepts any depth, which later makes JSON.stringify throw in the policy engine.
 */
export function checkJoseJson(segment: string, what: 'header' | 'claims'): void {
  let text: string;
  try {
    text = fatalUtf8.decode(Buffer.from(segment, 'base64url'));
  } catch {
    throw new SidecarError('invalid_token', `token ${what} is not valid UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) throw new SidecarError('invalid_token', `token ${what} starts with a byte order mark`);
  if (text.trimStart()[0] !== '{') throw new SidecarError('invalid_token', `token ${what} is not a JSON object`);
  const hazard = findJsonHazard(text, MAX_JSON_DEPTH);
  if (hazard) throw new SidecarError('invalid_token', `token ${what} ${hazard}`);
}
