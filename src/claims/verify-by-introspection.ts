import { SidecarError } from '../errors/sidecar-error.ts';
import type { TokenVerifier, VerifiedToken } from '../token/verify-token.ts';
import type { ClaimsFetcher, ClaimsSource, SourceResult } from './fetch-claims.ts';

export interface IntrospectingVerifierOptions {
  /** The JWT verifier for every token that is a JWT with a `sub`. */
  readonly verifyJwt: TokenVerifier;
  readonly fetch: ClaimsFetcher;
  readonly introspection: ClaimsSource;
  readonly issuer: string;
  readonly audience: readonly string[] | undefined;
  readonly clockToleranceSeconds: number;
  readonly maxBytes: number;
  readonly now?: () => number;
}

/** Answers that verified a token, so the enricher reuses them instead of introspecting twice. */
const introspected = new WeakMap<object, SourceResult>();

/** The introspection answer that verified this payload, when introspection verified it. */
export function introspectionOf(payload: object): SourceResult | undefined {
  return introspected.get(payload);
}

/**
 * True for a token only introspection can verify: not a three-part JWS (opaque), or a JWT without
 * a string `sub` (Keycloak's lightweight access tokens). Reading the unverified payload only picks
 * the path; both paths verify fully, and introspection is the issuer's own word on the token.
 */
function needsIntrospection(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return true;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && typeof (payload as { sub?: unknown }).sub !== 'string';
  } catch {
    return false;
  }
}

/**
 * A TokenVerifier that sends opaque tokens and JWTs without `sub` to RFC 7662 introspection and
 * everything else to the JWT verifier. An introspected token must be `active`, name a `sub`, have
 * an `exp` in the future, no `nbf` in the future, the issuer as `iss` (when given), one of the
 * configured audiences (when configured) and must not be a refresh or ID token.
 *
 * Why in claims/ and not token/: the answer that verifies the token is a claims source's answer (introspection, behind its breaker, cached with the claims cache), and it is reused as the subject's claims.
 */
export function createIntrospectingVerifier(options: IntrospectingVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const tolerance = options.clockToleranceSeconds;
  return async (token) => {
    // The size cap comes first, as on the JWT path, so nothing larger is even decoded.
    if (token.length > options.maxBytes) throw new SidecarError('token_too_large', `token is larger than ${options.maxBytes} bytes`);
    if (!needsIntrospection(token)) return options.verifyJwt(token);
    let result: SourceResult;
    try {
      result = await options.fetch(options.introspection, token, undefined);
    } catch (err) {
      if (err instanceof SidecarError && err.code === 'claims_rejected') throw new SidecarError('invalid_token', err.message, { cause: err });
      throw err;
    }
    const c = result.claims;
    const t = now() / 1000;
    const refuse = (why: string): never => {
      throw new SidecarError('invalid_token', why);
    };
    if ((c['exp'] as number) <= t - tolerance) refuse('token is expired');
    if (typeof c['nbf'] === 'number' && c['nbf'] > t + tolerance) refuse('token is not yet valid (nbf)');
    if (options.audience) {
      const aud = typeof c['aud'] === 'string' ? [c['aud']] : Array.isArray(c['aud']) ? c['aud'] : [];
      if (!aud.some((a) => options.audience!.includes(a as string))) refuse('claim "aud" is invalid: no accepted audience');
    }
    // Keycloak names the kind of token in `typ`; RFC 7662 servers may say it in `token_type`.
    if (['Refresh', 'Offline', 'ID', 'Logout'].includes(c['typ'] as string) || c['token_type'] === 'refresh_token') {
      refuse('only access tokens are accepted');
    }
    const { active: _active, ...claims } = c;
    const payload = { ...claims, iss: options.issuer } as VerifiedToken['payload'];
    introspected.set(payload, result);
    return { payload, header: {} };
  };
}
