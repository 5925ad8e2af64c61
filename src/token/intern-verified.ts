import { deepFreeze } from '../lib/deep-freeze.ts';
import { createStringInterner } from '../lib/intern-strings.ts';
import type { VerifiedToken } from './verify-token.ts';

/** Payload claims whose values thousands of tokens share: who issued them, for whom, to which client, with what scope. */
const SHARED_CLAIMS = ['iss', 'aud', 'azp', 'client_id', 'scope', 'typ', 'acr'] as const;
/** Distinct headers (and audience lists) kept; past it, new ones are used as they come. */
const MAX_SHARED = 1_000;

/**
 * Makes a fresh verification (not yet shared) use one copy of what many verifications hold alike: the
 * SHARED_CLAIMS' strings, an audience list, and the whole protected header (`alg`, `typ`, `kid`: a few
 * distinct headers per signing key). Values are replaced by equal ones, so the verification keeps its
 * meaning; only its memory changes (scripts/measure-subject-memory.ts). Called once per verification the
 * cache keeps (src/token/verified-token-cache.ts), never per request. Shared copies are frozen.
 */
export function createVerifiedInterner(): (verified: VerifiedToken) => VerifiedToken {
  const strings = createStringInterner();
  const shared = new Map<string, object>();
  const same = <T extends object>(value: T): T => {
    const key = JSON.stringify(value);
    const known = shared.get(key) as T | undefined;
    if (known !== undefined) return known;
    if (shared.size < MAX_SHARED) shared.set(key, deepFreeze(value));
    return value;
  };
  return (verified) => {
    const payload = verified.payload as Record<string, unknown>;
    if (!Object.isFrozen(payload)) {
      for (const claim of SHARED_CLAIMS) {
        const v = payload[claim];
        if (typeof v === 'string') payload[claim] = strings(v);
        else if (Array.isArray(v) && v.length <= 16 && v.every((a) => typeof a === 'string')) payload[claim] = same(v.map(strings));
      }
    }
    // Only headers of strings: equal JSON text then means equal values (a number could be -0 or 0).
    const header = verified.header as Record<string, unknown>;
    return Object.values(header).every((v) => typeof v === 'string') ? { payload: verified.payload, header: same(header) } : verified;
  };
}
