import { SidecarError } from '../errors/sidecar-error.ts';

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Refuses anything that is not a canonical compact JWS before any parsing: three non-empty
 * base64url segments, no padding, no whitespace, each segment re-encoding to itself (so
 * non-zero trailing bits cannot make two strings of one token), and at most `maxBytes`.
 * Why ourselves: jose tolerated padding and whitespace inside segments on older Node
 * (Wycheproof JWS tc 360-375), and an unchecked string must never act as an identity.
 */
export function checkCompactJws(token: string, maxBytes: number): void {
  if (token.length > maxBytes) {
    throw new SidecarError('token_too_large', `token is larger than ${maxBytes} bytes`);
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new SidecarError('invalid_token', parts.length === 5 ? 'encrypted tokens (JWE) are not accepted' : 'token is not a compact JWS (three dot-separated parts)');
  }
  for (const part of parts) {
    if (!SEGMENT.test(part) || part.length % 4 === 1) {
      throw new SidecarError('invalid_token', 'token segments must be unpadded base64url');
    }
  }
  for (const part of parts) {
    if (Buffer.from(part, 'base64url').toString('base64url') !== part) {
      throw new SidecarError('invalid_token', 'token segments must be canonical base64url');
    }
  }
}
