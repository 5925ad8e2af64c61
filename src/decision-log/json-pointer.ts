/**
 * RFC 6901 JSON pointers, as OPA's mask rules use them (`/input/request/query/access_token`).
 * Only what masking needs: parse, format, and the roots a mask may touch.
 */

/** The parts of an event a mask may change; the rest (ids, timestamps, chain) stays auditable. */
const MASKABLE_ROOTS = ['input', 'result'] as const;

/** `"/a/b~1c"` → `["a", "b/c"]`; undefined when the text is not a pointer. */
export function parsePointer(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  const parts = pointer.slice(1).split('/');
  for (const p of parts) if (/~[^01]|~$/.test(p)) return undefined;
  return parts.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `["a", "b/c"]` → `"/a/b~1c"`. */
export function formatPointer(parts: readonly (string | number)[]): string {
  return parts.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Why a pointer cannot be used as a mask, or undefined when it can. */
export function maskPointerProblem(pointer: string): string | undefined {
  const parts = parsePointer(pointer);
  if (!parts) return `'${pointer}' is not a JSON pointer (RFC 6901: it starts with '/', '~' only as ~0 or ~1)`;
  if (!(MASKABLE_ROOTS as readonly string[]).includes(parts[0]!)) {
    return `'${pointer}' must start with /input or /result`;
  }
  return undefined;
}
