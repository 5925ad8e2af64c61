import { serialMemoOf, type SerialMemo } from './memo-slot.ts';

/**
 * JSON text of cached subjects, remembered for the last REMEMBERED subjects serialised: a cached subject is
 * the same frozen object on every request (src/claims/enrich-claims.ts, src/decision/relevant-roles.ts), so
 * both places that serialise it per decision, the policy input (src/policy/policy-engine.ts) and the decision
 * event (src/decision-log/decision-logger.ts), write it once while it is in use. Bounded, not one text per
 * cached subject: the text is as large as the object it was made from, and with a million subjects in the
 * caches it would be the largest thing each one keeps (scripts/measure-subject-memory.ts); a subject whose
 * text was forgotten is serialised again. Not many more: while a million subjects rotate, a text that outlives
 * a scavenge is copied to the old generation only to die there (scripts/measure-subject-gc.ts). Only subjects
 * frozen with a SerialMemo (src/lib/memo-slot.ts) are remembered; the sidecar freezes only what it never
 * changes afterwards, members included.
 */
export const REMEMBERED = 4_096;
const ring: (SerialMemo | undefined)[] = new Array<SerialMemo | undefined>(REMEMBERED).fill(undefined);
let next = 0;

/** `JSON.stringify(value)`, remembered when `value` is a cached subject. */
export function jsonOf(value: unknown): string | undefined {
  const memo = value !== null && typeof value === 'object' ? serialMemoOf(value) : undefined;
  if (memo === undefined) return JSON.stringify(value);
  if (memo.json === undefined) {
    memo.json = JSON.stringify(value);
    const old = ring[next];
    if (old !== undefined) old.json = undefined;
    ring[next] = memo;
    next = (next + 1) % REMEMBERED;
  }
  return memo.json;
}

/**
 * `JSON.stringify(value)` exactly, with the text of each top-level member of an object taken from jsonOf:
 * the policy input `{subject, request}` and the decision event's input, whose subject is the large part and
 * the same on every request of a cached subject, while the request part is new each time.
 */
export function stringifyMembers(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return JSON.stringify(value);
  }
  let out = '{';
  for (const key of Object.keys(value)) {
    const text = jsonOf((value as Record<string, unknown>)[key]);
    if (text === undefined) continue; // as JSON.stringify: undefined, functions and symbols are left out
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${text}`;
  }
  return `${out}}`;
}
