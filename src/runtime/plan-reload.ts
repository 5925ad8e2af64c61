import type { Config } from '../config/config.ts';
import { CONFIG_SPEC } from '../config/spec.ts';

export interface ReloadPlan {
  readonly changed: readonly string[];
  /** Changed keys that need a restart (declared without `reload` in spec.ts); the reload is refused when there is any. */
  readonly needRestart: readonly string[];
}

const RELOADABLE = new Set(CONFIG_SPEC.filter((s) => s.reload).map((s) => s.key));

/**
 * Which keys differ between the running configuration and the next, and which of those a running
 * sidecar cannot take on (sockets, the issuer and its clients, server timeouts, the worker count).
 *
 * @example planReload(running, loadConfig({ file })).needRestart // ['listen']
 */
export function planReload(running: Config, next: Config): ReloadPlan {
  const changed = CONFIG_SPEC.map((s) => s.key).filter((key) => JSON.stringify(at(running, key)) !== JSON.stringify(at(next, key)));
  return { changed, needRestart: changed.filter((k) => !RELOADABLE.has(k)) };
}

function at(config: Config, key: string): unknown {
  let cur: unknown = config;
  for (const part of key.split('.')) cur = cur === undefined || cur === null ? undefined : (cur as Record<string, unknown>)[part];
  return cur;
}
