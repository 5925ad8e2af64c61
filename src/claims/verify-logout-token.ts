import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { SidecarError } from '../errors/sidecar-error.ts';
import { HMAC_ALGORITHMS } from '../config/spec.ts';
import { checkCompactJws } from '../token/check-compact.ts';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutTokenOptions {
  readonly issuer: string;
  /** The `aud` the logout token must name: the sidecar's client id. */
  readonly clientId: string;
  readonly algorithms: readonly string[];
  readonly keys: JWTVerifyGetKey;
  readonly clockToleranceSeconds: number;
  /** How many `jti`s are remembered against replay (until their `exp`). */
  readonly maxRemembered?: number;
  readonly now?: () => number;
}

export interface LogoutRequest {
  readonly sub: string | undefined;
  readonly sid: string | undefined;
}

export type LogoutTokenVerifier = (logoutToken: string) => Promise<LogoutRequest>;

const KEY_BEARING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/**
 * Validates a logout token as OIDC Back-Channel Logout 1.0 §2.6 requires: a signed JWT (no
 * `none`, no HMAC, the issuer's keys), `typ` `logout+jwt` or `JWT` when present, the exact `iss`,
 * `aud` naming the client id, `iat`, `exp` and `jti` present, `events` holding the back-channel
 * logout member as a JSON object, `sub` or `sid` present, and no `nonce` (which would make an ID
 * token pass as a logout token). A `jti` seen before is refused as a replay.
 *
 * Why in claims/ and not token/: a logout token is never a caller's credential; verifying it only decides which cached claims to evict.
 */
export function createLogoutTokenVerifier(options: LogoutTokenOptions): LogoutTokenVerifier {
  const now = options.now ?? Date.now;
  const algorithms = options.algorithms.filter((a) => !HMAC_ALGORITHMS.includes(a));
  const maxRemembered = options.maxRemembered ?? 10_000;
  const seen = new Map<string, number>();
  const invalid = (why: string, cause?: unknown): SidecarError =>
    new SidecarError('invalid_logout_token', `logout token rejected: ${why}`, cause === undefined ? {} : { cause });
  const getKey: JWTVerifyGetKey = (header, token) => {
    for (const name of KEY_BEARING_HEADERS) if (header[name] !== undefined) throw invalid(`header '${name}' is not accepted`);
    if (header.typ !== undefined && !['logout+jwt', 'application/logout+jwt', 'jwt'].includes(header.typ.toLowerCase())) {
      throw invalid(`typ '${header.typ}' is not a logout token`);
    }
    return options.keys(header, token);
  };

  return async (logoutToken) => {
    try {
      checkCompactJws(logoutToken, 16 * 1024);
    } catch (err) {
      throw invalid((err as Error).message, err);
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(logoutToken, getKey, {
        algorithms,
        issuer: options.issuer,
        audience: options.clientId,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['iat', 'exp', 'jti'],
        currentDate: new Date(now()),
      }));
    } catch (err) {
      if (err instanceof SidecarError) throw err;
      if (err instanceof errors.JWTClaimValidationFailed) throw invalid(`claim "${err.claim}" is invalid: ${err.reason}`, err);
      throw invalid((err as Error).message, err);
    }
    const events = payload['events'] as Record<string, unknown> | undefined;
    const event = events !== null && typeof events === 'object' && !Array.isArray(events) ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
    if (event === null || typeof event !== 'object' || Array.isArray(event)) throw invalid(`"events" has no ${BACKCHANNEL_LOGOUT_EVENT} object`);
    if (payload['nonce'] !== undefined) throw invalid('a logout token must not contain "nonce"');
    const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
    const sid = typeof payload['sid'] === 'string' && payload['sid'] !== '' ? payload['sid'] : undefined;
    if (sub === undefined && sid === undefined) throw invalid('it names neither "sub" nor "sid"');
    if (typeof payload.jti !== 'string' || payload.jti === '') throw invalid('"jti" must be a non-empty string');

    const t = now();
    for (const [jti, until] of seen) {
      if (until > t) break;
      seen.delete(jti);
    }
    if (seen.has(payload.jti)) throw invalid('replayed "jti"');
    seen.set(payload.jti, ((payload.exp as number) + options.clockToleranceSeconds) * 1000);
    if (seen.size > maxRemembered) seen.delete(seen.keys().next().value as string);
    return { sub, sid };
  };
}
