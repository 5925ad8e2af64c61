/**
 * Scrubs anything token-like from process log fields before they are written. Keys that name a
 * secret are replaced whatever their value; in every other string, compact JWS/JWE (a JSON
 * header always encodes to `e[w-z]…`) and `Bearer …` credentials are replaced. Why values as well
 * as keys: a token can hide in an error message or an upstream's answer quoted in a field.
 */
const SECRET_KEYS = new Set([
  'authorization', 'proxyauthorization', 'token', 'accesstoken', 'idtoken', 'refreshtoken', 'bearer', 'jwt',
  'secret', 'hmacsecret', 'clientsecret', 'password', 'passwd', 'apikey', 'cookie', 'setcookie', 'privatekey',
]);
const JWS_LIKE = /\be[w-z][A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*/gi;
export const REDACTED = '[REDACTED]';
const MAX_DEPTH = 6;

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

export function scrubString(s: string): string {
  if (s.length < 10) return s;
  return s.replace(JWS_LIKE, REDACTED).replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
}

/** A copy of `value` with secrets replaced; Errors become `{type, message, code}`. Never throws. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { type: value.name, message: scrubString(value.message), ...(typeof code === 'string' ? { code } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redactSecrets(v, depth + 1);
  return out;
}
