import { jwtVerify, UnsecuredJWT, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, type ProtectedHeaderParameters } from 'jose';
import { checkSignature, readCompact } from './verify-signature.ts';

export interface VerifiedJwt {
  readonly payload: JWTPayload;
  readonly protectedHeader: ProtectedHeaderParameters;
}

export type JwtVerify = (token: string) => Promise<VerifiedJwt>;

/**
 * jose's jwtVerify for one key resolver and one set of options, with the signature of asymmetric
 * algorithms checked synchronously (verify-signature.ts) and the claims still checked by jose.
 *
 * jwtVerify is: the compact JWS check, a refusal of `b64: false`, then validateClaimsSet over the
 * protected header and the payload bytes (node_modules/jose/dist/webapi/jwt/verify.js).
 * UnsecuredJWT.decode ends in that same validateClaimsSet over the same payload bytes with the same
 * options (jwt/unsecured.js), and the only header member validateClaimsSet reads is `typ`
 * (lib/jwt_claims_set.js), so the claims are checked on `{"alg":"none"}` plus the token's `typ`
 * and the token's payload segment as is. `b64` only counts when named in `crit`, and a token with
 * `crit` goes to jwtVerify whole, as does every token readCompact does not take (HS* with the
 * configured secret, an algorithm not allowed, a malformed header). Errors are jose's own classes
 * and messages. test/token/verify-jwt-agrees-with-jose.test.ts runs one corpus through this and jwtVerify.
 */
export function createJwtVerify(getKey: JWTVerifyGetKey, options: JWTVerifyOptions & { algorithms: string[] }): JwtVerify {
  const algorithms: ReadonlySet<string> = new Set(options.algorithms);
  const claimsHeader = claimsHeaders();
  return async (token) => {
    const ordinary = readCompact(token, algorithms);
    if (ordinary === undefined) return jwtVerify(token, getKey, options);
    await checkSignature(ordinary, getKey);
    const { payload } = UnsecuredJWT.decode(`${claimsHeader(ordinary.header.typ)}.${ordinary.encodedPayload}.`, options);
    return { payload, protectedHeader: ordinary.header };
  };
}

/**
 * The encoded `{"alg":"none"}` header carrying a token's `typ` when it is a string (any other `typ`
 * fails a `typ` option in validateClaimsSet just as an absent one does). The last one is kept: an
 * issuer writes one `typ`, and one entry keeps it bounded whatever tokens arrive.
 */
function claimsHeaders(): (typ: unknown) => string {
  const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  let last: { typ: string; encoded: string } | undefined;
  return (typ) => {
    if (typeof typ !== 'string') return none;
    if (last?.typ !== typ) last = { typ, encoded: Buffer.from(JSON.stringify({ alg: 'none', typ })).toString('base64url') };
    return last.encoded;
  };
}
