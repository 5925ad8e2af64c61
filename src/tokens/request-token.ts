import { decodeJwt } from 'jose';
import { request } from 'undici';
import { SidecarError } from '../errors/sidecar-error.ts';
import { mediaType } from '../lib/http-get.ts';
import { readCappedBody } from '../lib/read-capped-body.ts';
import { clientAuth } from './client-auth.ts';
import type { ClientCredentials } from './tokens-settings.ts';

/** A token the IdP issued, with the instant it stops being usable. */
export interface IssuedToken {
  readonly accessToken: string;
  /** Unix time in ms: the earlier of `expires_in` and the JWT's own `exp`; never handed out at or after it. */
  readonly expiresAt: number;
  readonly tokenType: string;
  readonly scope: string | undefined;
  /** RFC 8693 §2.2.1, for exchanges. */
  readonly issuedTokenType: string | undefined;
}

export interface TokenRequest {
  readonly endpoint: string;
  readonly credentials: ClientCredentials;
  /** The grant's form parameters (grant_type, audience, scope, subject_token, ...). */
  readonly params: Record<string, string>;
  readonly timeoutMs: number;
  /** What the answer's access token may be for: `exactly` (exchange, never wider than asked) or `includes` (client credentials). */
  readonly audience: { readonly value: string; readonly rule: 'exactly' | 'includes' };
  readonly now?: () => number;
}

/** Largest token endpoint answer read (a token response is a few KiB). */
const MAX_ANSWER_BYTES = 256 * 1024;
/** OAuth errors that refuse this grant, not the sidecar's client (RFC 6749 §5.2, RFC 8693 §2.2.2). */
const GRANT_REFUSALS = new Set(['invalid_grant', 'invalid_scope', 'invalid_target', 'unauthorized_client', 'access_denied', 'invalid_request', 'unsupported_grant_type']);
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * One POST to the token endpoint and a checked answer. Errors, all SidecarError:
 * - `token_refused` (403): the IdP refused the grant (`invalid_grant`, `invalid_scope`, `invalid_target`, ...);
 *   the caller sees the OAuth error code, never the IdP's free-text description;
 * - `token_unavailable` (503): the IdP is down, slow past `timeoutMs`, answered 5xx or something that is not
 *   a usable token response, refused the sidecar's own client (`invalid_client`), or issued a token for a
 *   wider audience than asked.
 * The token never appears in an error message.
 */
export async function requestToken(req: TokenRequest): Promise<IssuedToken> {
  const now = req.now ?? Date.now;
  const auth = await clientAuth(req.credentials, req.endpoint);
  const sentAt = now();
  let status: number;
  let type: string;
  let body: Buffer;
  try {
    const res = await request(req.endpoint, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', ...auth.headers },
      body: new URLSearchParams({ ...req.params, ...auth.params }).toString(),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    status = res.statusCode;
    const ct = res.headers['content-type'];
    type = mediaType((Array.isArray(ct) ? ct[0] : ct) ?? '');
    body = await readCappedBody(res.body, MAX_ANSWER_BYTES, () => new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
  } catch (err) {
    const e = err as { name?: string; message?: string };
    const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `timed out after ${req.timeoutMs} ms` : (e.message ?? 'failed');
    throw new SidecarError('token_unavailable', `the token endpoint could not be reached: ${why}`, { cause: err });
  }
  const doc = type === 'application/json' ? parseObject(body) : undefined;
  if (status !== 200) throw refusal(status, doc);
  if (doc === undefined) throw unavailable(`the token endpoint answered 200 with ${type || 'no content-type'}, not a JSON object`);
  return issuedToken(doc, req, sentAt);
}

function issuedToken(doc: Record<string, unknown>, req: TokenRequest, sentAt: number): IssuedToken {
  const token = doc['access_token'];
  if (typeof token !== 'string' || token === '' || /[\s\x00-\x1f]/.test(token)) throw unavailable('the answer has no usable access_token');
  const tokenType = doc['token_type'];
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') throw unavailable('the answer\'s token_type is not Bearer');
  const issuedType = doc['issued_token_type'];
  if (issuedType !== undefined && issuedType !== ACCESS_TOKEN_TYPE && req.params['grant_type']?.includes('token-exchange')) {
    throw unavailable('the exchange issued a token that is not an access token');
  }
  const expiresIn = doc['expires_in'];
  // The lifetime counts from when the request was sent: the time it took to answer is already spent.
  let expiresAt = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? sentAt + expiresIn * 1000 : undefined;
  // A JWT access token is decoded, not verified, and only to be stricter: its exp can shorten the lifetime, its aud can refuse it.
  const claims = jwtClaims(token);
  if (claims?.exp !== undefined) expiresAt = Math.min(expiresAt ?? Infinity, claims.exp * 1000);
  if (expiresAt === undefined) throw unavailable('the answer says neither expires_in nor exp: a token of unknown lifetime is never cached or served');
  if (claims) checkAudience(claims.aud, req.audience);
  const scope = doc['scope'];
  return { accessToken: token, expiresAt, tokenType: 'Bearer', scope: typeof scope === 'string' ? scope : undefined, issuedTokenType: typeof issuedType === 'string' ? issuedType : undefined };
}

function checkAudience(aud: unknown, asked: TokenRequest['audience']): void {
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (asked.rule === 'exactly' && (list.length === 0 || list.some((a) => a !== asked.value))) {
    throw unavailable(`the IdP issued a token for ${JSON.stringify(list)}, wider than the audience asked for; it is refused`);
  }
  if (asked.rule === 'includes' && !list.includes(asked.value)) {
    throw unavailable('the IdP issued a token whose aud does not name the audience asked for (configure an audience mapper for this client)');
  }
}

function jwtClaims(token: string): { exp?: number; aud?: unknown } | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    const claims = decodeJwt(token);
    return { ...(typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? { exp: claims.exp } : {}), aud: claims.aud };
  } catch {
    return undefined;
  }
}

function refusal(status: number, doc: Record<string, unknown> | undefined): SidecarError {
  const error = typeof doc?.['error'] === 'string' ? (doc['error'] as string) : undefined;
  if ((status === 400 || status === 401 || status === 403) && error === 'invalid_client') {
    return unavailable('the IdP refused the sidecar\'s client credentials (invalid_client); check tokens.clientId, tokens.clientSecret or tokens.privateKeyFile');
  }
  if ((status === 400 || status === 401 || status === 403) && error !== undefined && GRANT_REFUSALS.has(error)) {
    return new SidecarError('token_refused', `the IdP refused the token request: ${error}`, { expose: true });
  }
  return unavailable(`the token endpoint answered ${status}${error && /^[\w.-]{1,64}$/.test(error) ? ` ${error}` : ''}`);
}

function unavailable(message: string): SidecarError {
  return new SidecarError('token_unavailable', message);
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
