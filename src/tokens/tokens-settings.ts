import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { configError } from '../config/validate-value.ts';

export type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** How the sidecar proves it is its service's client at the token endpoint. */
export type ClientCredentials =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly clientId: string; readonly clientSecret: string }
  | { readonly method: 'private_key_jwt'; readonly clientId: string; readonly key: KeyObject; readonly algorithm: string; readonly keyId: string | undefined };

/** What the token service needs from `tokens.*`, checked once per configuration; undefined when `tokens.clientId` is unset (off). */
export interface TokensSettings {
  readonly credentials: ClientCredentials;
  readonly refreshMarginMs: number;
  readonly refreshJitterMs: number;
  readonly timeoutMs: number;
  readonly ratePerMinute: number;
  readonly maxCachedTokens: number;
  /** SHA-256 of `tokens.callerSecret`, compared in constant time with the digest of the header sent. */
  readonly callerDigest: Buffer | undefined;
  readonly exchange: boolean;
}

const MIN_SECRET_BYTES = 32;

/** Checks the rules across the `tokens.*` keys (each error names its key) and reads the assertion key. */
export function tokensSettings(config: Config): TokensSettings | undefined {
  const t = config.tokens;
  if (t.clientId === undefined) {
    const stray = (['clientSecret', 'privateKeyFile', 'callerSecret'] as const).find((k) => t[k] !== undefined);
    if (stray) throw configError(`tokens.${stray}`, 'is set but tokens.clientId is not: the token endpoints are off without a client');
    return undefined;
  }
  if (t.callerSecret !== undefined && Buffer.byteLength(t.callerSecret) < MIN_SECRET_BYTES) {
    throw configError('tokens.callerSecret', `must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  return Object.freeze({
    credentials: credentialsOf(config),
    refreshMarginMs: t.refreshMarginSeconds * 1000,
    refreshJitterMs: t.refreshJitterSeconds * 1000,
    timeoutMs: t.timeoutMs,
    ratePerMinute: t.ratePerMinute,
    maxCachedTokens: t.maxCachedTokens,
    callerDigest: t.callerSecret === undefined ? undefined : createHash('sha256').update(t.callerSecret).digest(),
    exchange: t.exchange,
  });
}

function credentialsOf(config: Config): ClientCredentials {
  const t = config.tokens;
  const clientId = t.clientId!;
  if (t.authMethod !== 'private_key_jwt') {
    if (t.clientSecret === undefined) throw configError('tokens.clientSecret', `is required with tokens.authMethod ${t.authMethod} (AUTHZ_TOKENS_CLIENT_SECRET)`);
    if (t.privateKeyFile !== undefined) throw configError('tokens.privateKeyFile', `is set but tokens.authMethod is ${t.authMethod}, not private_key_jwt`);
    return { method: t.authMethod, clientId, clientSecret: t.clientSecret };
  }
  if (t.clientSecret !== undefined) throw configError('tokens.clientSecret', 'is set but tokens.authMethod is private_key_jwt, which signs with tokens.privateKeyFile');
  if (t.privateKeyFile === undefined) throw configError('tokens.privateKeyFile', 'is required with tokens.authMethod private_key_jwt');
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(t.privateKeyFile));
  } catch (err) {
    throw configError('tokens.privateKeyFile', `cannot be read as a PEM private key: ${(err as Error).message}`);
  }
  const fits: Record<string, string[]> = { RS256: ['rsa'], PS256: ['rsa', 'rsa-pss'], ES256: ['ec'], EdDSA: ['ed25519'] };
  if (!fits[t.privateKeyAlgorithm]!.includes(key.asymmetricKeyType ?? '')) {
    throw configError('tokens.privateKeyAlgorithm', `${t.privateKeyAlgorithm} does not fit the ${key.asymmetricKeyType ?? 'unknown'} key in tokens.privateKeyFile`);
  }
  return { method: 'private_key_jwt', clientId, key, algorithm: t.privateKeyAlgorithm, keyId: t.privateKeyId };
}
