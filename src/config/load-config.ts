import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Config } from './config.ts';
import { CONFIG_SPEC } from './spec.ts';
import { configError, validateValue } from './validate-value.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import { deepFreeze } from '../lib/deep-freeze.ts';

export interface LoadConfigOptions {
  /** Path of a YAML or JSON file; `AUTHZ_CONFIG` is used when absent. */
  readonly file?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Values used before the file and the environment (the demo supplies its issuer this way). */
  readonly base?: Record<string, unknown>;
}

/** Keys that existed once: naming them says what happened instead of "unknown key". */
const REMOVED: Readonly<Record<string, string>> = {
  'http.fastPath': 'was removed: every route has one handler now (docs/architecture.md); delete the key',
};

/**
 * Reads the file and the environment once, checks every key against the spec (type, range,
 * required) and returns a frozen Config. Throws SidecarError('config_error') naming the key.
 * Rules across keys are each component's own: src/runtime/settings.ts applies them.
 *
 * @example
 * const config = loadConfig({ file: 'authz.yaml' }); // AUTHZ_ISSUER etc. override the file
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const values = new Map<string, unknown>();
  for (const [k, v] of Object.entries(options.base ?? {})) values.set(k, v);

  const file = options.file ?? env['AUTHZ_CONFIG'];
  if (file) for (const [k, v] of flatten(readConfigFile(file))) values.set(k, v);

  const known = new Set(CONFIG_SPEC.map((s) => s.key));
  for (const key of values.keys()) {
    if (REMOVED[key]) throw configError(key, REMOVED[key]);
    if (!known.has(key)) throw configError(key, 'unknown key (see docs/configuration.md)');
  }

  const config: Record<string, unknown> = {};
  for (const spec of CONFIG_SPEC) {
    const envValue = spec.env ? env[spec.env] : undefined;
    let value: unknown;
    if (envValue !== undefined && envValue !== '') {
      value = validateValue(`${spec.key} (from ${spec.env})`, spec.type, envValue, true);
    } else if (values.has(spec.key) && values.get(spec.key) !== null) {
      value = validateValue(spec.key, spec.type, values.get(spec.key), false);
    } else if (spec.default !== undefined) {
      // Defaults go through the same parser, so e.g. `listen` is always a parsed address.
      value = validateValue(spec.key, spec.type, spec.default, false);
    } else if (spec.required) {
      throw configError(spec.key, `is required${spec.env ? ` (set it in the config file or ${spec.env})` : ''}`);
    }
    setPath(config, spec.key.split('.'), value);
  }
  return deepFreeze(config) as unknown as Config;
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SidecarError('config_error', `cannot read config file '${file}': ${(err as Error).message}`, { expose: true });
  }
  try {
    // YAML 1.2 is a superset of JSON, so one parser serves both formats.
    return parseYaml(text, { uniqueKeys: true }) ?? {};
  } catch (err) {
    throw new SidecarError('config_error', `config file '${file}' is not valid YAML/JSON: ${(err as Error).message}`, { expose: true });
  }
}

/** Nested objects become dotted keys; lists and scalars are leaves. */
function flatten(doc: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    if (prefix === '') throw configError('(root)', 'the config file must hold an object');
    out.set(prefix, doc);
    return out;
  }
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && CONFIG_SPEC.some((s) => s.key.startsWith(`${key}.`))) {
      flatten(v, key, out);
    } else {
      out.set(key, v);
    }
  }
  return out;
}

/** Every key is set, unset ones to `undefined`, so a configuration always has the whole shape. */
function setPath(root: Record<string, unknown>, parts: readonly string[], value: unknown): void {
  let node = root;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}
