import { hasRocaFingerprint } from './roca-fingerprint.ts';

/**
 * Removes keys that must never verify a token: RSA moduli under 2048 bits, RSA exponent 1 (the
 * "signature" is then the message itself), moduli with the ROCA fingerprint (factorable),
 * keys marked for encryption only, and private parts (a JWKS that leaks `d` is misconfigured;
 * the public part is kept).
 */
export function filterJwks(jwks: unknown, onRefused?: (kid: string | undefined, reason: string) => void): unknown {
  if (jwks === null || typeof jwks !== 'object' || !Array.isArray((jwks as { keys?: unknown }).keys)) return jwks;
  const keys = (jwks as { keys: unknown[] }).keys
    .filter((key) => {
      if (key === null || typeof key !== 'object') return false;
      const k = key as Record<string, unknown>;
      const reason = weakness(k);
      if (reason) onRefused?.(typeof k['kid'] === 'string' ? k['kid'] : undefined, reason);
      return reason === undefined;
    })
    .map((key) => {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...pub } = key as Record<string, unknown>;
      return pub;
    });
  return { ...jwks, keys };
}

function weakness(k: Record<string, unknown>): string | undefined {
  if (k['use'] !== undefined && k['use'] !== 'sig') return `use '${String(k['use'])}' is not 'sig'`;
  if (k['kty'] === 'RSA') {
    if (typeof k['n'] !== 'string' || typeof k['e'] !== 'string') return 'RSA key without n or e';
    const n = Buffer.from(k['n'], 'base64url');
    let bits = n.length * 8;
    for (let i = 0; i < n.length && n[i] === 0; i++) bits -= 8;
    const first = n.find((b) => b !== 0) ?? 0;
    bits -= Math.clz32(first) - 24;
    if (bits < 2048) return `RSA modulus of ${bits} bits (at least 2048 required)`;
    const e = Buffer.from(k['e'], 'base64url');
    const eValue = e.reduce((acc, b) => acc * 256 + b, 0);
    if (eValue < 3 || eValue % 2 === 0) return `RSA public exponent ${eValue} is unsafe`;
    if (hasRocaFingerprint(n)) return 'RSA modulus has the ROCA fingerprint (CVE-2017-15361)';
  }
  if (k['kty'] === 'oct') return 'symmetric keys are not accepted from a JWKS';
  return undefined;
}
