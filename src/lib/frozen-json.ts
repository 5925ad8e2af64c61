/**
 * JSON text of frozen objects, remembered by object: a cached subject is the same frozen object on
 * every request (src/claims/enrich-claims.ts, src/decision/relevant-roles.ts), so both places that
 * serialise it per decision, the policy input (src/policy/policy-engine.ts) and the decision event
 * (src/decision-log/decision-logger.ts), write it once. Weak: an entry goes with its object.
 * Callers freeze only what they never change afterwards, members included.
 */
const texts = new WeakMap<object, string>();

/** `JSON.stringify(value)`, remembered when `value` is a frozen object. */
export function jsonOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || !Object.isFrozen(value)) return JSON.stringify(value);
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  return text;
}

/**
 * `JSON.stringify(value)` exactly, with the text of each frozen top-level member of an object taken
 * from jsonOf: the policy input `{subject, request}` and the decision event's input, whose subject
 * is the large part and the same on every request of a cached subject, while the request part is
 * new each time. A member that is not frozen is always serialised.
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
