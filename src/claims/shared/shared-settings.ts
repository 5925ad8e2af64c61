import type { Config } from '../../config/config.ts';
import { configError } from '../../config/validate-value.ts';

/** `claims.shared.*`, checked across keys: what the shared claims tier is built from. */
export interface SharedTierSettings {
  /** `redis://` or `rediss://`, credentials included (never logged). */
  readonly url: string;
  /** The fleet key, decoded (≥ 32 bytes). */
  readonly key: Buffer;
  readonly prefix: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly readBudgetMs: number;
  readonly lockMs: number;
  readonly lockWaitMs: number;
  readonly breakerFailures: number;
  readonly breakerCoolOffMs: number;
  /** `claims.staleIfErrorSeconds`: how long past its TTL a shared entry is still kept for stale-if-error. */
  readonly staleIfErrorSeconds: number;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The shared tier's settings, or undefined when `claims.shared.url` is unset (the tier is off and
 * the sidecar behaves as a single process). Throws `config_error` naming the key at fault.
 */
export function sharedTierSettings(config: Config): SharedTierSettings | undefined {
  const shared = config.claims.shared;
  if (shared.url === undefined) {
    if (shared.key !== undefined) throw configError('claims.shared.key', 'is set but claims.shared.url is not');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(shared.url);
  } catch {
    throw configError('claims.shared.url', 'is not a URL (expected redis://[user:password@]host:port[/db] or rediss://…)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw configError('claims.shared.url', `must start with redis:// or rediss:// (got '${url.protocol}//')`);
  if (url.hostname === '') throw configError('claims.shared.url', 'names no host');
  if (shared.key === undefined) throw configError('claims.shared.key', 'is required when claims.shared.url is set (AUTHZ_CLAIMS_SHARED_KEY: at least 32 random bytes, base64)');
  const trimmed = shared.key.trim();
  const key = BASE64.test(trimmed) ? Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
  if (key.length < 32) throw configError('claims.shared.key', `must be at least 32 random bytes, base64 (got ${key.length} bytes); make one with: openssl rand -base64 32`);
  if (key.every((b) => b === key[0])) throw configError('claims.shared.key', 'is not random (every byte is the same)');
  return {
    url: shared.url,
    key,
    prefix: shared.prefix,
    connectTimeoutMs: shared.connectTimeoutMs,
    commandTimeoutMs: shared.commandTimeoutMs,
    readBudgetMs: shared.readBudgetMs,
    lockMs: shared.lockMs,
    lockWaitMs: Math.min(shared.lockWaitMs, shared.lockMs),
    breakerFailures: shared.breakerFailures,
    breakerCoolOffMs: shared.breakerCoolOffMs,
    staleIfErrorSeconds: config.claims.staleIfErrorSeconds,
  };
}
