import type { Config, Listen } from '../config/config.ts';
import { configError } from '../config/validate-value.ts';

/** Paths the API answers whatever the configuration; configurable paths must not shadow them. */
export const FIXED_PATHS: readonly string[] = ['/authorize', '/health', '/ready', '/metrics'];
/** Prefixes the API owns: the Data and status APIs, the admin routes. */
export const FIXED_PREFIXES: readonly string[] = ['/v1/', '/admin/'];

/** Checks the rules across the listener and route keys (`http.*`, `diagnostics.listen`, the logout path); each error names its key. */
export function httpSettings(config: Config): void {
  const taken = (path: string): boolean => FIXED_PATHS.includes(path) || FIXED_PREFIXES.some((p) => path.startsWith(p));
  const fwd = config.http.forwardAuthPath;
  if (!fwd.startsWith('/')) throw configError('http.forwardAuthPath', `must start with '/', got '${fwd}'`);
  if (taken(fwd)) throw configError('http.forwardAuthPath', `'${fwd}' is already taken by another route`);
  const logoutPath = config.claims.backchannelLogout.path;
  if (logoutPath !== undefined) {
    if (!logoutPath.startsWith('/')) throw configError('claims.backchannelLogout.path', `must start with '/', got '${logoutPath}'`);
    if (taken(logoutPath) || logoutPath === fwd) throw configError('claims.backchannelLogout.path', `'${logoutPath}' is already taken by another route`);
  }
  const diagnostics = config.diagnostics.listen;
  if (diagnostics && sameAddress(diagnostics, config.listen)) throw configError('diagnostics.listen', 'must differ from listen');
}

export function sameAddress(a: Listen, b: Listen): boolean {
  if (a.kind === 'unix' || b.kind === 'unix') return a.kind === b.kind && (a as { path: string }).path === (b as { path: string }).path;
  return a.port !== 0 && a.port === b.port && a.host === b.host;
}
