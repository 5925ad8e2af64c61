import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type ProtectedHeaderParameters } from 'jose';
import { SidecarError } from '../errors/sidecar-error.ts';
import { HMAC_ALGORITHMS } from '../config/spec.ts';
import { checkCompactJws } from './check-compact.ts';
import { checkJoseJson } from './check-jose-json.ts';

export interface VerifiedToken {
  readonly payload: JWTPayload & { sub: string; iss: string; exp: number };
  readonly header: ProtectedHeaderParameters;
}

export interface TokenVerifierOptions {
  readonly issuer: string;
  readonly audience: readonly string[] | undefined;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly maxBytes: number;
  readonly typ: string | undefined;
  readonly hmacSecret: string | undefined;
  /** Resolves the issuer's public keys (see createRemoteKeys). */
  readonly keys: JWTVerifyGetKey;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/** Header parameters that would point at a key chosen by the token's author. */
const KEY_BEARING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/**
 * Builds the verifier for `Authorization: Bearer` tokens: canonical compact form and size first,
 * then strict JSON in the header and claims (no duplicate members, bounded depth), then jose's
 * jwtVerify with an algorithm allow-list, exact `iss`, `aud` when configured, `exp` and `sub`
 * required, `nbf`, `iat` not in the future, clock tolerance and optional `typ`. Keys come only
 * from the issuer's JWKS (or the configured HMAC secret), never from the token.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const getKey = createKeyResolver(options);
  const verifyOptions = {
    algorithms: [...options.algorithms],
    issuer: options.issuer,
    ...(options.audience ? { audience: [...options.audience] } : {}),
    ...(options.typ ? { typ: options.typ } : {}),
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: ['exp', 'sub'],
  };

  return async (token) => {
    checkCompactJws(token, options.maxBytes);
    const [header, claims] = token.split('.');
    checkJoseJson(header!, 'header');
    checkJoseJson(claims!, 'claims');
    let result;
    try {
      result = await jwtVerify(token, getKey, verifyOptions);
    } catch (err) {
      throw toTokenError(err);
    }
    const { payload, protectedHeader } = result;
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new SidecarError('invalid_token', '"sub" must be a non-empty string');
    // JSON.parse turns 1e400 into Infinity, which jose takes for a token that never expires.
    if (!Number.isFinite(payload.exp)) throw new SidecarError('invalid_token', 'claim "exp" must be a finite number');
    // jose checks "iat" only against a maxTokenAge; a token issued in the future is a forged or
    // misdated one either way.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + options.clockToleranceSeconds) {
      throw new SidecarError('invalid_token', 'claim "iat" is in the future');
    }
    return { payload: payload as VerifiedToken['payload'], header: protectedHeader };
  };
}

/**
 * The key for a token's protected header: never from the token itself (`jku`, `x5u`, `jwk`, `x5c`
 * are refused), the configured secret for HS*, otherwise the issuer's key set. Exported so the
 * signature layer can be exercised on its own (Wycheproof JWS vectors carry non-JWT payloads).
 */
export function createKeyResolver(options: Pick<TokenVerifierOptions, 'hmacSecret' | 'keys'>): JWTVerifyGetKey {
  const secret = options.hmacSecret ? new TextEncoder().encode(options.hmacSecret) : undefined;
  return (header, token) => {
    for (const name of KEY_BEARING_HEADERS) {
      if (header[name] !== undefined) throw new SidecarError('invalid_token', `token header '${name}' is not accepted`);
    }
    if (HMAC_ALGORITHMS.includes(header.alg ?? '')) {
      if (!secret) throw new SidecarError('invalid_token', `algorithm ${header.alg} is not allowed`);
      return secret;
    }
    return options.keys(header, token);
  };
}

/** jose's errors carry generic messages that never echo token contents, so they are safe to expose. */
function toTokenError(err: unknown): SidecarError {
  if (err instanceof SidecarError) return err;
  if (err instanceof errors.JWTExpired) return new SidecarError('invalid_token', 'token is expired', { cause: err });
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new SidecarError('invalid_token', `claim "${err.claim}" is invalid: ${err.reason}`, { cause: err });
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new SidecarError('invalid_token', 'token algorithm is not allowed', { cause: err });
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new SidecarError('invalid_token', 'token signature is invalid', { cause: err });
  }
  if (err instanceof errors.JWKSNoMatchingKey) return new SidecarError('invalid_token', 'no issuer key matches the token', { cause: err });
  if (err instanceof errors.JOSEError) return new SidecarError('invalid_token', `token is invalid: ${err.message}`, { cause: err });
  return new SidecarError('invalid_token', 'token could not be verified', { cause: err });
}
