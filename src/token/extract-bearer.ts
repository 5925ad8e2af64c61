import { SidecarError } from '../errors/sidecar-error.ts';

/** RFC 6750 §2.1: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Returns the token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1). The scheme is
 * case-insensitive; exactly one space separates it from the token, anything else is refused
 * rather than trimmed, so two spellings never map to one identity.
 */
export function extractBearer(header: string | undefined): string {
  if (header === undefined || header === '') throw new SidecarError('missing_token', 'no bearer token in the Authorization header');
  const space = header.indexOf(' ');
  if (space !== 6 || header.slice(0, 6).toLowerCase() !== 'bearer') {
    throw new SidecarError('invalid_token', 'the Authorization header must be "Bearer <token>"');
  }
  const token = header.slice(7);
  if (token === '') throw new SidecarError('missing_token', 'no bearer token in the Authorization header');
  if (!B64TOKEN.test(token)) throw new SidecarError('invalid_token', 'the bearer token is not a b64token (RFC 6750 §2.1)');
  return token;
}
