import { SidecarError } from '../errors/sidecar-error.ts';

/**
 * The bearer token a request carries in the cookie `name` (`token.cookie`), read from node's flat
 * `rawHeaders`: undefined when absent. The cookie set twice (two `Cookie` headers or two pairs) is
 * `invalid_request`, as two Authorization headers are (single-header.ts): one request, one identity.
 * The value is taken as is (RFC 6265 cookie-octets); extract-bearer.ts checks its form.
 */
export function cookieToken(rawHeaders: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const k = rawHeaders[i]!;
    if (k.length !== 6 || k.toLowerCase() !== 'cookie') continue;
    for (const pair of rawHeaders[i + 1]!.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
      count++;
      const v = pair.slice(eq + 1).trim();
      found = v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
    }
  }
  if (count > 1) throw new SidecarError('invalid_request', `the request carries the cookie ${name} more than once`);
  return found;
}

/**
 * The request's credential as an Authorization value: the Authorization header, or, when
 * `cookie` is configured and the header is absent, `Bearer <the cookie's value>`. Both present and
 * different is `invalid_request`: the sidecar never picks one of two identities.
 */
export function credentialOf(authorization: string | undefined, rawHeaders: readonly string[], cookie: string | undefined): string | undefined {
  if (cookie === undefined) return authorization;
  const fromCookie = cookieToken(rawHeaders, cookie);
  if (fromCookie === undefined || fromCookie === '') return authorization;
  const bearer = `Bearer ${fromCookie}`;
  if (authorization !== undefined && authorization !== bearer) {
    throw new SidecarError('invalid_request', `the request carries both an Authorization header and the ${cookie} cookie, with different tokens`);
  }
  return bearer;
}
