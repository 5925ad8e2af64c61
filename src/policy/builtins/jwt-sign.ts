import { BuiltinError, stringArg, type HostBuiltin } from './builtin-types.ts';
import { goJsonMarshal } from './go-json.ts';
import { ALGORITHMS, jwkKey, jwkList, signJws } from './jwt-keys.ts';

/**
 * OPA's io.jwt.encode_sign and io.jwt.encode_sign_raw (topdown/tokens.go): the header text as
 * given (encode_sign marshals its objects as Go's encoding/json does: sorted keys, HTML-safe),
 * signed with the first key of a JWK or JWK set.
 */
export const jwtSignBuiltins: Record<string, HostBuiltin> = {
  'io.jwt.encode_sign': Object.assign(
    (args: readonly unknown[]) => encodeSign('io.jwt.encode_sign', goJsonMarshal(args[0]), goJsonMarshal(args[1]), goJsonMarshal(args[2])),
    { numberText: true },
  ),
  'io.jwt.encode_sign_raw': (args) => {
    const name = 'io.jwt.encode_sign_raw';
    const jwk = stringArg(name, args, 2);
    return encodeSign(name, stringArg(name, args, 0), stringArg(name, args, 1), jwk);
  },
};

function encodeSign(name: string, headerText: string, payloadText: string, jwkText: string): string {
  let jwk: Record<string, unknown>;
  let headers: Record<string, unknown>;
  try {
    const list = jwkList(jwkText);
    if (list.length === 0) throw new Error('no keys found in JWK set');
    jwk = list[0]!;
  } catch (err) {
    throw new BuiltinError(name, (err as Error).message);
  }
  try {
    headers = JSON.parse(headerText) as Record<string, unknown>;
  } catch {
    throw new BuiltinError(name, "missing or invalid 'alg' header");
  }
  const alg = headers?.['alg'];
  if (typeof alg !== 'string') throw new BuiltinError(name, "missing or invalid 'alg' header");
  if (!ALGORITHMS.has(alg)) throw new BuiltinError(name, `unknown JWS algorithm: ${alg}`);
  const typ = headers['typ'];
  if ((typeof typ !== 'string' || typ === 'JWT') && !isJson(payloadText)) throw new BuiltinError(name, 'type is JWT but payload is not JSON');
  const signed = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`;
  try {
    return `${signed}.${signJws(jwkKey(jwk, true), alg, Buffer.from(signed)).toString('base64url')}`;
  } catch (err) {
    throw new BuiltinError(name, (err as Error).message);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
