import { errors, type JWTPayload, type JWTVerifyGetKey, type ProtectedHeaderParameters } from 'jose';
import { SidecarError } from '../errors/sidecar-error.ts';
import { HMAC_ALGORITHMS } from '../config/spec.ts';
import { checkCompactJws } from './check-compact.ts';
import { checkJoseJson } from './check-jose-json.ts';
import { createJwtVerify } from './verify-jwt.ts';
import { toTokenError } from './token-error.ts';
import type { ProcessLog } from '../lib/process-log.ts';

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
  /** Where a first-run mistake is explained: a token for another audience (expected vs received, once per audience). */
  readonly log?: Pick<ProcessLog, 'warn'>;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/** Header parameters that would point at a key chosen by the token's author. */
const KEY_BEARING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/**
 * Builds the verifier for `Authorization: Bearer` tokens: canonical compact form and size first,
 * then strict JSON in the header and claims (no duplicate members, bounded depth), then jose's
 * jwtVerify (asymmetric signatures checked synchronously by node:crypto, see verify-jwt.ts) with an
 * algorithm allow-list, exact `iss`, `aud` when configured, `exp` and `sub`
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
  const jwtVerify = createJwtVerify(getKey, verifyOptions);
  const warnAudience = audienceWarner(options);

  return async (token) => {
    checkCompactJws(token, options.maxBytes);
    const [header, claims] = token.split('.');
    checkJoseJson(header!, 'header');
    checkJoseJson(claims!, 'claims');
    let result;
    try {
      result = await jwtVerify(token);
    } catch (err) {
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'aud') warnAudience(err.payload['aud']);
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

/** Distinct audiences warned about; past this many, further ones are not logged (the log stays bounded). */
const MAX_AUDIENCES_WARNED = 100;

/**
 * Logs, once per distinct received `aud`, that a token's audience is not the configured one: a newcomer's
 * usual first mistake, whose 401 alone does not say which side to fix. jose checks the claims after the
 * signature, so the audience shown is the IdP's, never the token itself.
 */
function audienceWarner(options: Pick<TokenVerifierOptions, 'audience' | 'log'>): (received: unknown) => void {
  const seen = new Set<string>();
  return (received) => {
    const key = JSON.stringify(received) ?? 'undefined';
    if (!options.log || seen.has(key) || seen.size >= MAX_AUDIENCES_WARNED) return;
    seen.add(key);
    options.log.warn("a token's audience is not one this sidecar accepts; requests with it are denied (401 invalid_token)", {
      expected: options.audience ?? [],
      received: received ?? null,
      hint: 'set audience (AUTHZ_AUDIENCE) to the aud your IdP writes into tokens for this service, or make the IdP add the expected one',
    });
  };
}
