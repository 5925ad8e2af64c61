import type { Config } from '../config/config.ts';
import { configError } from '../config/validate-value.ts';
import { FIXED_PATHS, FIXED_PREFIXES, sameAddress } from '../http/http-settings.ts';

/**
 * The rules across the `extAuthz.*` keys and the keys they share a port or a path space with;
 * each error names its key. The HTTP prefix is matched after the exact routes, so it must not
 * swallow another route: neither a path under it nor it under another route's prefix.
 */
export function extAuthzSettings(config: Config): void {
  const prefix = config.extAuthz.http.pathPrefix;
  if (prefix !== undefined) {
    const key = 'extAuthz.http.pathPrefix';
    if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*[^/]$/.test(prefix) || prefix.includes('//')) {
      throw configError(key, `must start with '/', not end with '/' and be a plain path, got '${prefix}'`);
    }
    const others = [...FIXED_PATHS, config.http.forwardAuthPath, ...(config.claims.backchannelLogout.path ? [config.claims.backchannelLogout.path] : [])];
    const clash = others.find((p) => p === prefix || p.startsWith(`${prefix}/`)) ?? FIXED_PREFIXES.find((p) => `${prefix}/`.startsWith(p) || p.startsWith(`${prefix}/`));
    if (clash !== undefined) throw configError(key, `'${prefix}' overlaps the route '${clash}'`);
  }
  const grpc = config.extAuthz.grpc.listen;
  if (grpc) {
    if (sameAddress(grpc, config.listen)) throw configError('extAuthz.grpc.listen', 'must differ from listen');
    if (config.diagnostics.listen && sameAddress(grpc, config.diagnostics.listen)) throw configError('extAuthz.grpc.listen', 'must differ from diagnostics.listen');
  }
}
