import { basename } from 'node:path';
import type { Config } from '../config/config.ts';
import { configError, isLoopbackHost } from '../config/validate-value.ts';

export interface PolicySettings {
  /** The bundle's name in decision events and `GET /v1/status`: `bundles/authz.tar.gz` → `authz`, as OPA names bundles. */
  readonly bundleName: string;
}

/** Checks the rules across the `policy.*` keys (each error names its key) and derives the bundle's name. */
export function policySettings(config: Config): PolicySettings {
  const policy = config.policy;
  if (policy.memoryMaxPages < policy.memoryInitialPages) {
    throw configError('policy.memoryMaxPages', 'must not be smaller than policy.memoryInitialPages');
  }
  const url = policy.server.url;
  if (policy.source === 'http') {
    if (!url) throw configError('policy.server.url', 'is required when policy.source is http (or AUTHZ_BUNDLE_URL)');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw configError('policy.server.url', `'${url}' is not a URL`);
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) {
      throw configError('policy.server.url', `must use https (plain http is allowed only on loopback addresses), got '${url}'`);
    }
  }
  if (policy.server.maxDelayMs < policy.server.minDelayMs) {
    throw configError('policy.server.maxDelayMs', 'must not be smaller than policy.server.minDelayMs');
  }
  if (policy.signing.scope !== undefined && policy.signing.keyFile === undefined) {
    throw configError('policy.signing.scope', 'is set but policy.signing.keyFile is not');
  }
  const location = policy.source === 'http' ? new URL(url!).pathname : policy.bundle;
  return { bundleName: basename(location).replace(/\.tar\.gz$|\.tgz$/, '') || 'authz' };
}
