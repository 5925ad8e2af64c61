import type { Config } from '../config/config.ts';
import { CONFIG_SPEC } from '../config/spec.ts';

/**
 * Keys a running sidecar takes on at SIGHUP. Everything else (sockets, the issuer and its key and
 * userinfo clients, server timeouts, worker count, keys added later) needs a restart, so a key
 * nobody classified is refused rather than half-applied.
 */
const RELOADABLE = [
  'audience', 'token.', 'claims.enrich', 'claims.roleClaims', 'claims.cacheTtlSeconds',
  // The bundle file and how it is evaluated; a change of source (file/http), server, signing or
  // persistence needs a restart.
  'policy.bundle', 'policy.entrypoint', 'policy.watch', 'policy.memoryInitialPages', 'policy.memoryMaxPages',
  'decisionLog.', 'http.maxBodyBytes', 'http.forwardAuthPath', 'http.explain', 'log.level', 'shutdown.',
];

export function isReloadable(key: string): boolean {
  return RELOADABLE.some((p) => (p.endsWith('.') ? key.startsWith(p) : key === p));
}

/** The spec keys whose values differ between two configurations. */
export function changedKeys(a: Config, b: Config): string[] {
  return CONFIG_SPEC.map((s) => s.key).filter((key) => JSON.stringify(at(a, key)) !== JSON.stringify(at(b, key)));
}

export interface ReloadPlan {
  readonly changed: readonly string[];
  /** Changed keys that need a restart; the reload is refused when there is any. */
  readonly needRestart: readonly string[];
}

/** @example planReload(running, loadConfig({ file })).needRestart // ['listen'] */
export function planReload(running: Config, next: Config): ReloadPlan {
  const changed = changedKeys(running, next);
  return { changed, needRestart: changed.filter((k) => !isReloadable(k)) };
}

function at(config: Config, key: string): unknown {
  let cur: unknown = config;
  for (const part of key.split('.')) cur = cur === undefined || cur === null ? undefined : (cur as Record<string, unknown>)[part];
  return cur;
}
