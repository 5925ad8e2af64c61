import { errors } from 'jose';
import { SidecarError } from '../errors/sidecar-error.ts';

/**
 * The SidecarError for a token jose refused (or the key resolver refused while jose asked it): one
 * place, so jose's jwtVerify and createJwtVerify (verify-jwt.ts) are mapped alike. jose's errors
 * carry generic messages that never echo token contents, so they are safe to expose.
 */
export function toTokenError(err: unknown): SidecarError {
  if (err instanceof SidecarError) return err;
  if (err instanceof errors.JWTExpired) return new SidecarError('invalid_token', 'token is expired', { cause: err });
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud' && err.reason === 'check_failed') return new SidecarError('invalid_token', 'claim "aud" is invalid: the token is for another audience', { cause: err });
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
