/**
 * Derived data kept with a frozen object for exactly as long as the object lives, without a WeakMap. Why:
 * every WeakMap entry is an ephemeron, which V8's mark-compact settles in its final stop-the-world step; with
 * an entry per cached subject in each of five memos, that step alone took 170–350 ms at 300,000 subjects and
 * seconds at 1,000,000 (scripts/measure-subject-gc.ts). The memo hangs from a non-enumerable property keyed
 * by a symbol: JSON.stringify, spreads, Object.keys and Object.entries, for-in and assert.deepStrictEqual do
 * not see it, and it goes with its object.
 */
const SLOT = Symbol('authz-sidecar.memo');

/** Freezes `value` (shallowly, as Object.freeze) with `memo` attached; the memo itself stays writable. An object frozen already gets none. */
export function freezeWithMemo<T extends object>(value: T, memo: object): T {
  if (Object.isExtensible(value)) Object.defineProperty(value, SLOT, { value: memo });
  return Object.freeze(value);
}

/** The memo `value` was frozen with, or undefined. */
export function memoOf(value: object): unknown {
  return (value as { [SLOT]?: unknown })[SLOT];
}

/**
 * A frozen `{ payload, header }` (a verification, src/token/verify-token.ts) with `memo` attached, built as
 * one literal so that the memo takes 8 bytes in the object itself: attached afterwards, as freezeWithMemo
 * does, it adds a 40-byte property array to an object that has no room left (measured with
 * scripts/measure-subject-memory.ts).
 */
export function frozenVerification<P extends object, H extends object>(payload: P, header: H, memo: object): { readonly payload: P; readonly header: H } {
  const value = { payload, header, [SLOT]: memo };
  Object.defineProperty(value, SLOT, { enumerable: false, writable: false, configurable: false });
  return Object.freeze(value);
}

/** What the decision's serialisers remember about a frozen subject they see on every request of it. */
export class SerialMemo {
  /** src/decision-log/mask-event.ts: a scrub found nothing to erase or mask in it. */
  clean = false;
  /** src/lib/frozen-json.ts: its JSON text, while it is one of the last ones serialised (bounded). */
  json: string | undefined = undefined;
}

const NO_ROLES: readonly string[] = Object.freeze([]);

/**
 * What src/claims/enrich-claims.ts remembers about the subject it keeps for a cached verification: what it was
 * built from, so a request with the same answers reuses it, and which narrowing it had (src/decision/relevant-roles.ts).
 * The kept subject is the narrowed one itself, not a merged subject with a narrowed copy beside it: one object
 * per cached subject instead of two (scripts/measure-subject-memory.ts).
 */
export class SubjectMemo extends SerialMemo {
  /** The fetched claims the subject was built from (one answer, or an array of them), or a marker for the token alone. */
  from: object | undefined = undefined;
  /** The merged role list before narrowing (interned, so compared by identity; its length is logged as `roles_filter.held`). */
  roles: readonly string[] = NO_ROLES;
  /** The narrowing applied (Narrowing.id; 0: none). */
  narrowedFor = 0;
}

/** The SerialMemo (or SubjectMemo) of a subject frozen with one, or undefined. */
export function serialMemoOf(value: object): SerialMemo | undefined {
  const memo = memoOf(value);
  return memo instanceof SerialMemo ? memo : undefined;
}

/** The SubjectMemo of a merged subject frozen with one, or undefined. */
export function subjectMemoOf(value: object): SubjectMemo | undefined {
  const memo = memoOf(value);
  return memo instanceof SubjectMemo ? memo : undefined;
}
