import type { Config } from '../config/config.ts';
import { HMAC_ALGORITHMS } from '../config/spec.ts';
import { configError } from '../config/validate-value.ts';

/** The rules across the `token.*` and `discovery.*` keys; each error names the key to fix. */
export function checkTokenSettings(config: Config): void {
  const { algorithms, hmacSecret } = config.token;
  const usesHmac = algorithms.some((a) => HMAC_ALGORITHMS.includes(a));
  if (usesHmac && !hmacSecret) throw configError('token.algorithms', 'HS256/384/512 need token.hmacSecret (AUTHZ_HMAC_SECRET)');
  if (hmacSecret && !usesHmac) throw configError('token.hmacSecret', 'is set but token.algorithms lists no HS* algorithm');
  if (hmacSecret && Buffer.byteLength(hmacSecret) < 32) throw configError('token.hmacSecret', 'must be at least 32 bytes');
  if (config.discovery.retryMaxMs < config.discovery.retryInitialMs) {
    throw configError('discovery.retryMaxMs', 'must not be smaller than discovery.retryInitialMs');
  }
}
