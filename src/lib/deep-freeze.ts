/**
 * Freezes a plain JSON-like value (objects, arrays, primitives) and everything it holds. An object found frozen
 * already is taken as frozen all the way down and not walked again: the sidecar freezes only whole values (the
 * configuration, src/config/load-config.ts; a cached verification and the headers and lists it shares,
 * src/token/intern-verified.ts), so a shared frozen part costs nothing the second time.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
