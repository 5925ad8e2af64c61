import { constants, KeyObject, verify, type webcrypto } from 'node:crypto';
import { compactVerify, errors, type CompactJWSHeaderParameters, type JWTVerifyGetKey } from 'jose';
import { p1363ToDer } from './p1363-to-der.ts';

export interface VerifiedSignature {
  readonly payload: Uint8Array;
  readonly protectedHeader: CompactJWSHeaderParameters;
}

/**
 * What jose requires of the key for an algorithm (node_modules/jose/dist/webapi/lib/jws_algorithms.js,
 * checked by checkCryptoKey and checkModulusLength in lib/key.js) and how node:crypto verifies it.
 */
interface Entry {
  /** The CryptoKey's algorithm.name. */
  readonly name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA' | 'Ed25519';
  /** The CryptoKey's algorithm.hash.name (RSA keys carry their hash). */
  readonly hash?: string;
  /** The CryptoKey's algorithm.namedCurve (ECDSA). */
  readonly namedCurve?: string;
  /** The digest node:crypto computes; null for Ed25519, which hashes internally. */
  readonly digest: string | null;
  /** PSS: the salt length WebCrypto verifies with (the hash length). */
  readonly saltLength?: number;
  /** ECDSA: the length of r and of s in the JOSE signature form. */
  readonly rsBytes?: number;
}

const rsa = (bits: number): Entry => ({ name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${bits}`, digest: `sha${bits}` });
const pss = (bits: number): Entry => ({ name: 'RSA-PSS', hash: `SHA-${bits}`, digest: `sha${bits}`, saltLength: bits / 8 });
const ecdsa = (curve: string, bits: number, rsBytes: number): Entry => ({ name: 'ECDSA', namedCurve: curve, digest: `sha${bits}`, rsBytes });
const ed25519: Entry = { name: 'Ed25519', digest: null };

/** The algorithms checked here; anything else (HS*, ML-DSA, unknown) goes to jose whole. */
const ENTRIES: ReadonlyMap<string, Entry> = new Map([
  ['RS256', rsa(256)], ['RS384', rsa(384)], ['RS512', rsa(512)],
  ['PS256', pss(256)], ['PS384', pss(384)], ['PS512', pss(512)],
  ['ES256', ecdsa('P-256', 256, 32)], ['ES384', ecdsa('P-384', 384, 48)], ['ES512', ecdsa('P-521', 512, 66)],
  ['EdDSA', ed25519], ['Ed25519', ed25519],
]);

/** A segment jose would decode exactly as Buffer does: base64url characters only, a decodable length. */
const SEGMENT = /^[A-Za-z0-9_-]*$/;
const segmentOk = (segment: string): boolean => SEGMENT.test(segment) && segment.length % 4 !== 1;

/** jose decodes JOSE headers with this decoder (lib/buffer_utils.js: strictDecoder). */
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** What verify() is given: the KeyObject itself where its defaults are the algorithm's, else with options. */
type VerifyKey = KeyObject | { key: KeyObject; padding: number; saltLength?: number };

/**
 * The node:crypto key for each resolved CryptoKey, with the entry it was checked against: jose's key
 * sets hand out the same CryptoKey per (JWK, alg), so KeyObject.from and jose's key rules (fits)
 * run once per key, not per token. A CryptoKey is immutable: a fit once is a fit always.
 */
const verifiers = new WeakMap<object, { readonly entry: Entry; readonly key: VerifyKey }>();

/** A compact JWS in the ordinary case, read once: see readCompact. */
export interface OrdinaryJws {
  readonly jws: string;
  readonly header: CompactJWSHeaderParameters;
  readonly encodedHeader: string;
  readonly encodedPayload: string;
  readonly encodedSignature: string;
  readonly entry: Entry;
  readonly algorithms: ReadonlySet<string>;
}

/**
 * The token when its signature is one checkSignature verifies, else undefined (then jose verifies
 * it whole): three segments jose would decode as Buffer does, a header that parses to a JSON
 * object as jose parses it, no `crit` (so no `b64`), an `alg` that is allowed and in ENTRIES.
 */
export function readCompact(jws: string, algorithms: ReadonlySet<string>): OrdinaryJws | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3 || !parts.every(segmentOk)) return undefined;
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = parseHeader(encodedHeader);
  if (header === undefined || header.crit !== undefined) return undefined;
  const { alg } = header;
  const entry = typeof alg === 'string' && algorithms.has(alg) ? ENTRIES.get(alg) : undefined;
  if (entry === undefined) return undefined;
  return { jws, header, encodedHeader, encodedPayload, encodedSignature, entry, algorithms };
}

/**
 * jose's compactVerify with an algorithm allow-list, but with the signature of RS*, PS*, ES* and
 * EdDSA checked by node:crypto's synchronous verify() on a cached KeyObject instead of
 * crypto.subtle.verify. Why: WebCrypto runs each verification as a threadpool job, and on one core
 * that hop (promises, a context switch) costs about as much CPU as the RSA work itself
 * (bench/results/profile-cold-token.txt; scripts/measure-token-verify.ts). Anything readCompact
 * does not take goes to compactVerify itself, so jose's own checks and errors apply.
 */
export async function verifySignature(jws: string, getKey: JWTVerifyGetKey, algorithms: ReadonlySet<string>): Promise<VerifiedSignature> {
  const ordinary = readCompact(jws, algorithms);
  if (ordinary === undefined) return compactVerify(jws, getKey, { algorithms: [...algorithms] });
  await checkSignature(ordinary, getKey);
  return { payload: Buffer.from(ordinary.encodedPayload, 'base64url'), protectedHeader: ordinary.header };
}

/**
 * The signature check of compactVerify for a token readCompact took: the key from the resolver
 * (called once, with the same arguments jose gives it), jose's key rules, then node:crypto. A key
 * that is not a public CryptoKey fitting the algorithm (jose's checkCryptoKey: name, hash, curve,
 * `verify` usage; RSA at least 2048 bits) is handed to compactVerify, which refuses it with its
 * own error. ECDSA signatures are read in the JOSE (IEEE P1363) form only and PSS is checked with
 * the hash length as salt length, as WebCrypto does for jose; a failure is jose's
 * JWSSignatureVerificationFailed, as from compactVerify.
 */
export async function checkSignature(token: OrdinaryJws, getKey: JWTVerifyGetKey): Promise<void> {
  const { encodedHeader, encodedPayload, encodedSignature, entry } = token;
  const key: unknown = await getKey(token.header, { payload: encodedPayload, protected: encodedHeader, signature: encodedSignature });
  let verifier = typeof key === 'object' && key !== null ? verifiers.get(key) : undefined;
  if (verifier?.entry !== entry) {
    if (!fits(key, entry)) {
      // jose refuses such a key (TypeError); should it ever accept one, its verification stands.
      await compactVerify(token.jws, () => key as never, { algorithms: [...token.algorithms] });
      return;
    }
    verifiers.set(key, (verifier = { entry, key: verifyKeyOf(KeyObject.from(key), entry) }));
  }
  const data = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'latin1');
  let signature: Buffer | undefined = Buffer.from(encodedSignature, 'base64url');
  if (entry.rsBytes !== undefined) signature = p1363ToDer(signature, entry.rsBytes);
  let verified = false;
  try {
    verified = signature !== undefined && verify(entry.digest, data, verifier.key, signature);
  } catch (cause) {
    throw new errors.JWSSignatureVerificationFailed(undefined, { cause });
  }
  if (!verified) throw new errors.JWSSignatureVerificationFailed();
}

/** The protected header as jose parses it (strict UTF-8, JSON.parse, a plain object), else undefined. */
function parseHeader(encoded: string): CompactJWSHeaderParameters | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictDecoder.decode(Buffer.from(encoded, 'base64url')));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as CompactJWSHeaderParameters) : undefined;
}

/** jose's prepareKey + checkCryptoKey + checkModulusLength for a CryptoKey and a verification. */
function fits(key: unknown, entry: Entry): key is webcrypto.CryptoKey {
  if (!(key instanceof CryptoKey) || key.type !== 'public' || !key.usages.includes('verify')) return false;
  const algorithm = key.algorithm as { name: string; hash?: { name?: string }; namedCurve?: string; modulusLength?: unknown };
  if (algorithm.name !== entry.name) return false;
  if (entry.hash !== undefined && algorithm.hash?.name !== entry.hash) return false;
  if (entry.namedCurve !== undefined && algorithm.namedCurve !== entry.namedCurve) return false;
  if (entry.name.startsWith('RSA') && !(typeof algorithm.modulusLength === 'number' && algorithm.modulusLength >= 2048)) return false;
  return true;
}

/**
 * The bare KeyObject wherever its defaults are the algorithm's: RS* on an `rsa` key (PKCS#1 v1.5
 * padding), ECDSA (DER, see p1363ToDer) and Ed25519; options only for PSS (padding and the exact
 * salt length). Why bare: verify() given an options object pays two caught exceptions (see
 * p1363-to-der.ts), about 12 µs.
 */
function verifyKeyOf(key: KeyObject, entry: Entry): VerifyKey {
  if (entry.name === 'RSA-PSS') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: entry.saltLength! };
  if (entry.name === 'RSASSA-PKCS1-v1_5' && key.asymmetricKeyType !== 'rsa') return { key, padding: constants.RSA_PKCS1_PADDING };
  return key;
}
