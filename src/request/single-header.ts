import { SidecarError } from '../errors/sidecar-error.ts';

/**
 * The one value of a header that must not be ambiguous (Authorization), from the name/value
 * pairs as received (node's `req.rawHeaders`, Envoy's header map): two pairs, in any case, are
 * `invalid_request`; with `joinedWithComma` (Envoy's `headers` map, where a repeated header
 * arrives as one comma-joined value) so is a comma in the value, which a bearer token never has.
 * Why: node keeps the first of two Authorization headers while a proxy or the service behind it
 * may read the last or both, so one user would be decided and another served.
 *
 * @example singleHeader(Object.entries(check.headers), 'authorization', true)
 */
export function singleHeader(pairs: Iterable<readonly [string, string]>, name: string, joinedWithComma: boolean): string | undefined {
  let found: string | undefined;
  let count = 0;
  for (const [k, v] of pairs) {
    if (k.length !== name.length || k.toLowerCase() !== name) continue;
    count++;
    found = v;
  }
  if (count > 1 || (joinedWithComma && found !== undefined && found.includes(','))) {
    throw new SidecarError('invalid_request', `the request carries more than one ${name === 'authorization' ? 'Authorization header' : `${name} header`}`);
  }
  return found;
}

/** singleHeader over node's flat `rawHeaders` (`[name, value, name, value, …]`): the hot path's version, with no pairs built. */
export function singleRawHeader(rawHeaders: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const k = rawHeaders[i]!;
    if (k.length !== name.length || k.toLowerCase() !== name) continue;
    if (found !== undefined) throw new SidecarError('invalid_request', `the request carries more than one ${name === 'authorization' ? 'Authorization header' : `${name} header`}`);
    found = rawHeaders[i + 1]!;
  }
  return found;
}
