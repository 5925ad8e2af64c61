import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { SidecarError } from '../errors/sidecar-error.ts';
import { HMAC_ALGORITHMS } from '../config/spec.ts';
import { checkCompactJws } from '../token/check-compact.ts';

export interface SignedUserinfoOptions {
  readonly issuer: string;
  /** The `aud` the answer must name (OIDC Core §5.3.2: the RP's client id). */
  readonly clientId: string;
  readonly algorithms: readonly string[];
  /** The issuer's keys, the same that verify access tokens. */
  readonly keys: JWTVerifyGetKey;
  readonly maxBytes: number;
  readonly clockToleranceSeconds: number;
}

/** Header parameters that would let the answer choose its own verification key. */
const KEY_BEARING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/**
 * Verifies a signed userinfo answer (`application/jwt`) with the issuer's keys: an allowed
 * asymmetric algorithm, `iss` equal to the issuer and `aud` naming `clientId`. HMAC-signed answers
 * (keyed with the client secret) and encrypted answers (JWE) are refused with a message that says so.
 *
 * Why in claims/ and not token/: it checks a userinfo answer (a claims source's JWT), not a caller's token.
 */
export function createSignedUserinfoVerifier(options: SignedUserinfoOptions): (jwt: string) => Promise<Record<string, unknown>> {
  const algorithms = options.algorithms.filter((a) => !HMAC_ALGORITHMS.includes(a));
  const getKey: JWTVerifyGetKey = (header, token) => {
    for (const name of KEY_BEARING_HEADERS) {
      if (header[name] !== undefined) throw new SidecarError('claims_unavailable', `signed userinfo header '${name}' is not accepted`);
    }
    return options.keys(header, token);
  };
  return async (jwt) => {
    if (jwt.split('.').length === 5) {
      throw new SidecarError('claims_unavailable', 'encrypted userinfo answers (JWE) are unsupported: configure the IdP to sign userinfo without encrypting it');
    }
    try {
      checkCompactJws(jwt, options.maxBytes);
    } catch (err) {
      throw new SidecarError('claims_unavailable', `signed userinfo is malformed: ${(err as Error).message}`, { cause: err });
    }
    try {
      const { payload } = await jwtVerify(jwt, getKey, {
        algorithms,
        issuer: options.issuer,
        audience: options.clientId,
        clockTolerance: options.clockToleranceSeconds,
      });
      return payload as Record<string, unknown>;
    } catch (err) {
      if (err instanceof SidecarError) throw err;
      const why = err instanceof errors.JWTClaimValidationFailed ? `claim "${err.claim}" is invalid: ${err.reason}` : (err as Error).message;
      throw new SidecarError('claims_unavailable', `signed userinfo failed verification: ${why}`, { cause: err });
    }
  };
}
