import { SidecarError } from '../errors/sidecar-error.ts';

export interface NormalizedRequest {
  readonly method: string;
  /** Decoded, dot-segments resolved, `;params` removed, `//` collapsed, no trailing slash. */
  readonly path: string;
  readonly segments: readonly string[];
  readonly query: Readonly<Record<string, string[]>>;
}

const METHOD = /^[A-Za-z]{1,20}$/;
const MAX_URI = 8192;

/**
 * Turns a method and a request target (`/a/b?x=1`) into what the policy matches on. The rules
 * (documented in docs/http-api.md, "The input document") are chosen so that a spelling an upstream
 * may route elsewhere cannot slip past a rule: `;params` are cut from each segment before dot
 * segments are resolved (Tomcat-style `/public/..;/admin` becomes `/admin`), `..` never climbs
 * above the root, and encoded `/`, `\` and NUL, double percent-encoding and encoded control
 * characters are refused outright because upstreams disagree on them. Case is kept: paths are
 * case-sensitive.
 */
export function normalizeRequest(method: unknown, target: unknown): NormalizedRequest {
  if (typeof method !== 'string' || !METHOD.test(method)) {
    throw new SidecarError('invalid_request', '"method" must be an HTTP method name (letters only)');
  }
  if (typeof target !== 'string' || !target.startsWith('/')) {
    throw new SidecarError('invalid_request', '"path" must be a string starting with "/"');
  }
  if (target.length > MAX_URI) throw new SidecarError('invalid_request', `"path" is longer than ${MAX_URI} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f#\\]/.test(target)) {
    throw new SidecarError('invalid_request', '"path" must not contain spaces, control characters, "#" or "\\"');
  }
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  if (/%(2f|5c|00)/i.test(rawPath)) {
    throw new SidecarError('invalid_request', '"path" must not contain encoded "/", "\\" or NUL');
  }

  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    const semi = raw.indexOf(';');
    let seg: string;
    try {
      seg = decodeURIComponent(semi === -1 ? raw : raw.slice(0, semi));
    } catch {
      throw new SidecarError('invalid_request', '"path" has a malformed percent-encoding');
    }
    // Checked after decoding: `%252e%252e` decodes once to `%2e%2e`, which a second decoder
    // downstream would turn into `..`; `%0a` and friends have no use in a path and upstreams
    // disagree on whether to strip them.
    if (/%[0-9a-f]{2}/i.test(seg)) throw new SidecarError('invalid_request', '"path" must not be percent-encoded twice');
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(seg)) throw new SidecarError('invalid_request', '"path" must not contain encoded control characters');
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }

  const query: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  if (rawQuery !== '') {
    for (const [k, v] of new URLSearchParams(rawQuery)) (query[k] ??= []).push(v);
  }
  return { method: method.toUpperCase(), path: `/${segments.join('/')}`, segments, query };
}
