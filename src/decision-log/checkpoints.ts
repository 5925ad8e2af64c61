import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, CompactSign, compactVerify, exportJWK } from 'jose';

/**
 * Signed checkpoints close the two gaps a hash chain leaves: cutting records off the end of the
 * log, and rewriting the chain from some record on with freshly computed hashes. Each checkpoint
 * states "the record with seq N has hash H", signed with a key the writer holds and an editor of
 * the log files should not. Verification needs only the public key.
 */
const CHECKPOINT_TYPE = 'authz-sidecar/decision-log-checkpoint';

export interface CheckpointPayload {
  readonly typ: typeof CHECKPOINT_TYPE;
  readonly seq: number;
  readonly hash: string;
  /** Base name of the log file that held record `seq` when it was signed. */
  readonly file: string;
  readonly time: string;
  /** labels.id of the writing instance. */
  readonly instance: string;
}

export interface CheckpointSigner {
  readonly alg: string;
  readonly kid: string;
  /** One line of the checkpoint file: the readable payload and its compact JWS. */
  line(payload: CheckpointPayload): Promise<string>;
}

/** Reads a private key (PEM, PKCS#8 or SEC1/PKCS#1, or a JWK with `d`) and picks its JWS algorithm. */
export async function loadCheckpointSigner(keyFile: string): Promise<CheckpointSigner> {
  const text = readFileSync(keyFile, 'utf8');
  const key = text.trimStart().startsWith('{') ? createPrivateKey({ key: JSON.parse(text) as never, format: 'jwk' }) : createPrivateKey(text);
  const alg = algorithmOf(key);
  const kid = await calculateJwkThumbprint(await exportJWK(createPublicKey(key)));
  return {
    alg,
    kid,
    async line(payload) {
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
      return `${JSON.stringify({ checkpoint: payload, jws })}\n`;
    },
  };
}

/** Reads a public key (PEM SPKI, a certificate-free JWK) or derives it from a private key file. */
export function loadPublicKey(keyFile: string): KeyObject {
  const text = readFileSync(keyFile, 'utf8');
  if (text.trimStart().startsWith('{')) return createPublicKey({ key: JSON.parse(text) as never, format: 'jwk' });
  return createPublicKey(text);
}

export type CheckpointCheck =
  | { readonly ok: true; readonly payload: CheckpointPayload }
  | { readonly ok: false; readonly reason: string };

/** Verifies one checkpoint line: a valid signature by `key`, a well-formed payload, and a readable copy that matches it. */
export async function verifyCheckpointLine(line: string, key: KeyObject): Promise<CheckpointCheck> {
  let doc: { checkpoint?: unknown; jws?: unknown };
  try {
    doc = JSON.parse(line) as typeof doc;
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof doc.jws !== 'string') return { ok: false, reason: 'no jws member' };
  let payload: CheckpointPayload;
  try {
    const { payload: bytes } = await compactVerify(doc.jws, key, { algorithms: [algorithmOf(key)] });
    payload = JSON.parse(new TextDecoder().decode(bytes)) as CheckpointPayload;
  } catch (err) {
    return { ok: false, reason: `signature does not verify with the given key (${(err as Error).message})` };
  }
  if (payload.typ !== CHECKPOINT_TYPE || !Number.isSafeInteger(payload.seq) || !/^[0-9a-f]{64}$/.test(String(payload.hash))) {
    return { ok: false, reason: 'signed payload is not a checkpoint' };
  }
  if (JSON.stringify(doc.checkpoint) !== JSON.stringify(payload)) return { ok: false, reason: 'the readable copy differs from the signed payload' };
  return { ok: true, payload };
}

/** True when a line looks like a checkpoint (used to tell checkpoint files from logs). */
export function isCheckpointLine(line: string): boolean {
  return line.startsWith('{"checkpoint":');
}

function algorithmOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ES256';
      if (curve === 'secp384r1') return 'ES384';
      if (curve === 'secp521r1') return 'ES512';
      throw new TypeError(`checkpoint key: unsupported EC curve ${curve ?? '?'} (use P-256, P-384 or P-521)`);
    }
    case 'rsa':
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new TypeError('checkpoint key: RSA keys must have at least 2048 bits');
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    default:
      throw new TypeError(`checkpoint key: unsupported key type ${key.asymmetricKeyType ?? key.type} (use Ed25519, EC or RSA)`);
  }
}
