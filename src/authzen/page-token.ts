import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SidecarError } from '../errors/sidecar-error.ts';

/**
 * Opaque search page tokens a client cannot forge: `<payload>.<mac>`, both base64url, where the
 * payload is `{"v":1,"o":<offset>,"f":<fingerprint>}` and the mac an HMAC-SHA256 over the payload
 * with `authzen.pageTokenKey` (or a random key made once per process). The fingerprint binds the
 * token to the request it continues (the spec: every entity and parameter must be identical on the
 * next page, and a PDP should refuse a changed one). Searches are recomputed for every page, so a
 * token is only an offset: it holds no results and nothing about other subjects.
 */
export interface PageTokens {
  /** A token for the page of `request` starting at `offset`. */
  issue(request: unknown, offset: number): string;
  /** The offset a token names; `invalid_page_token` when it is not this key's, or was issued for another request. */
  offsetOf(token: string, request: unknown): number;
}

let processKey: Buffer | undefined;

export function createPageTokens(key: Buffer | undefined): PageTokens {
  const k = key ?? (processKey ??= randomBytes(32));
  const mac = (payload: string): Buffer => createHmac('sha256', k).update(payload).digest();
  return {
    issue(request, offset) {
      const payload = Buffer.from(JSON.stringify({ v: 1, o: offset, f: fingerprint(request) })).toString('base64url');
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    offsetOf(token, request) {
      const dot = token.indexOf('.');
      const given = dot > 0 ? Buffer.from(token.slice(dot + 1), 'base64url') : Buffer.alloc(0);
      const payload = token.slice(0, dot);
      const expected = mac(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new SidecarError('invalid_page_token', 'page.token is not a page token this PDP issued');
      }
      const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { v: number; o: number; f: string };
      if (p.f !== fingerprint(request)) {
        throw new SidecarError('invalid_page_token', 'the request differs from the one page.token continues: every entity and page.limit must stay the same');
      }
      return p.o;
    },
  };
}

/** SHA-256 of the request in a canonical JSON form (object members sorted), base64url. */
function fingerprint(request: unknown): string {
  return createHash('sha256').update(canonical(request)).digest('base64url');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
