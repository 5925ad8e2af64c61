/**
 * What the explain option may show of an input document. Masking is declared here, not coded per
 * field: values under these keys (any depth, case-insensitive) and strings that look like a
 * compact JWT are replaced. The verified subject's claims are shown: the caller already holds
 * the token they came from.
 */
const REDACTED_KEYS: readonly string[] = [
  'authorization', 'cookie', 'set-cookie', 'token', 'access_token', 'id_token', 'refresh_token',
  'password', 'passwd', 'secret', 'client_secret', 'api_key', 'apikey', 'private_key',
];

export const REDACTED = '[redacted]';

const keys = new Set(REDACTED_KEYS);
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function redactInput(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED;
  if (typeof value === 'string') return JWT.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactInput(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, keys.has(k.toLowerCase()) ? REDACTED : redactInput(v, depth + 1)]),
    );
  }
  return value;
}
