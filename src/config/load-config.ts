import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Config, Listen } from './config.ts';
import { CONFIG_SPEC, HMAC_ALGORITHMS } from './spec.ts';
import { configError, isLoopbackHost, validateValue } from './validate-value.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import { roleClaimProblem } from '../claims/role-claims.ts';
import { maskPointerProblem } from '../decision-log/json-pointer.ts';

export interface LoadConfigOptions {
  /** Path of a YAML or JSON file; `AUTHZ_CONFIG` is used when absent. */
  readonly file?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Values used before the file and the environment (the demo supplies its issuer this way). */
  readonly base?: Record<string, unknown>;
}

/**
 * Reads the file and the environment once, validates every key against CONFIG_SPEC and returns a
 * frozen Config. Throws SidecarError('config_error') naming the offending key.
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
    if (!known.has(key)) throw configError(key, 'unknown key (see docs/configuration.md)');
  }

  const out = new Map<string, unknown>();
  for (const spec of CONFIG_SPEC) {
    const envValue = spec.env ? env[spec.env] : undefined;
    if (envValue !== undefined && envValue !== '') {
      out.set(spec.key, validateValue(`${spec.key} (from ${spec.env})`, spec.type, envValue, true));
    } else if (values.has(spec.key) && values.get(spec.key) !== null) {
      out.set(spec.key, validateValue(spec.key, spec.type, values.get(spec.key), false));
    } else if (spec.default !== undefined) {
      // Defaults go through the same parser, so e.g. `listen` is always a parsed address.
      out.set(spec.key, validateValue(spec.key, spec.type, spec.default, false));
    } else if (spec.required) {
      throw configError(spec.key, `is required${spec.env ? ` (set it in the config file or ${spec.env})` : ''}`);
    }
  }
  return build(out);
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

function build(v: Map<string, unknown>): Config {
  const get = <T>(key: string): T => v.get(key) as T;
  const algorithms = get<readonly string[]>('token.algorithms');
  const hmacSecret = get<string | undefined>('token.hmacSecret');
  const usesHmac = algorithms.some((a) => HMAC_ALGORITHMS.includes(a));
  if (usesHmac && !hmacSecret) throw configError('token.algorithms', 'HS256/384/512 need token.hmacSecret (AUTHZ_HMAC_SECRET)');
  if (hmacSecret && !usesHmac) throw configError('token.hmacSecret', 'is set but token.algorithms lists no HS* algorithm');
  if (hmacSecret && Buffer.byteLength(hmacSecret) < 32) throw configError('token.hmacSecret', 'must be at least 32 bytes');
  if (get<number>('discovery.retryMaxMs') < get<number>('discovery.retryInitialMs')) {
    throw configError('discovery.retryMaxMs', 'must not be smaller than discovery.retryInitialMs');
  }
  if (get<number>('policy.memoryMaxPages') < get<number>('policy.memoryInitialPages')) {
    throw configError('policy.memoryMaxPages', 'must not be smaller than policy.memoryInitialPages');
  }
  checkPolicySource(get);
  for (const key of ['decisionLog.erase', 'decisionLog.mask']) {
    for (const pointer of get<readonly string[]>(key)) {
      const problem = maskPointerProblem(pointer);
      if (problem) throw configError(key, problem);
    }
  }
  const logTarget = get<string>('decisionLog.target');
  if (get<string | undefined>('decisionLog.checkpoint.keyFile') && (logTarget === 'stdout' || logTarget === 'none')) {
    throw configError('decisionLog.checkpoint.keyFile', `checkpoints sign a file's hash chain; set decisionLog.target to a file path (it is '${logTarget}')`);
  }
  if (get<number>('decisionLog.http.batchMaxBytes') > get<number>('decisionLog.http.bufferMaxBytes')) {
    throw configError('decisionLog.http.batchMaxBytes', 'must not be larger than decisionLog.http.bufferMaxBytes');
  }
  if (get<number>('decisionLog.http.retryMaxMs') < get<number>('decisionLog.http.retryInitialMs')) {
    throw configError('decisionLog.http.retryMaxMs', 'must not be smaller than decisionLog.http.retryInitialMs');
  }
  const fwd = get<string>('http.forwardAuthPath');
  if (!fwd.startsWith('/')) throw configError('http.forwardAuthPath', `must start with '/', got '${fwd}'`);
  checkClaimsKeys(get);

  const diagnostics = get<Listen | undefined>('diagnostics.listen');
  const listen = get<Listen>('listen');
  if (diagnostics && sameAddress(diagnostics, listen)) throw configError('diagnostics.listen', 'must differ from listen');

  const config: Config = {
    listen,
    issuer: get<string>('issuer'),
    audience: get<readonly string[] | undefined>('audience'),
    token: {
      algorithms,
      hmacSecret,
      clockToleranceSeconds: get('token.clockToleranceSeconds'),
      maxBytes: get('token.maxBytes'),
      typ: get('token.typ'),
      cacheTtlSeconds: get('token.cacheTtlSeconds'),
      cacheMaxEntries: get('token.cacheMaxEntries'),
    },
    jwks: { timeoutMs: get('jwks.timeoutMs'), cooldownMs: get('jwks.cooldownMs'), cacheMaxAgeMs: get('jwks.cacheMaxAgeMs') },
    discovery: {
      timeoutMs: get('discovery.timeoutMs'),
      retryInitialMs: get('discovery.retryInitialMs'),
      retryMaxMs: get('discovery.retryMaxMs'),
    },
    claims: {
      enrich: get('claims.enrich'),
      roleClaims: get('claims.roleClaims'),
      cacheTtlSeconds: get('claims.cacheTtlSeconds'),
      cacheMaxEntries: get('claims.cacheMaxEntries'),
      userinfo: {
        connectTimeoutMs: get('claims.userinfo.connectTimeoutMs'),
        headersTimeoutMs: get('claims.userinfo.headersTimeoutMs'),
        bodyTimeoutMs: get('claims.userinfo.bodyTimeoutMs'),
        maxResponseBytes: get('claims.userinfo.maxResponseBytes'),
        connections: get('claims.userinfo.connections'),
      },
      sources: get('claims.sources'),
      staleIfErrorSeconds: get('claims.staleIfErrorSeconds'),
      negativeTtlSeconds: get('claims.negativeTtlSeconds'),
      cacheMaxBytes: get('claims.cacheMaxBytes'),
      merge: get('claims.merge'),
      roleMerge: get('claims.roleMerge'),
      clientId: get('claims.clientId'),
      clientSecret: get('claims.clientSecret'),
      breaker: { failureThreshold: get('claims.breaker.failureThreshold'), coolOffMs: get('claims.breaker.coolOffMs') },
      introspection: { verifyTokens: get('claims.introspection.verifyTokens') },
      backchannelLogout: { path: get('claims.backchannelLogout.path') },
      admin: { token: get('claims.admin.token') },
    },
    policy: {
      bundle: get('policy.bundle'),
      entrypoint: get('policy.entrypoint'),
      relevantRoles: get('policy.relevantRoles'),
      watch: get('policy.watch'),
      memoryInitialPages: get('policy.memoryInitialPages'),
      memoryMaxPages: get('policy.memoryMaxPages'),
      source: get('policy.source'),
      server: {
        url: get('policy.server.url'),
        authorization: get('policy.server.authorization'),
        minDelayMs: get('policy.server.minDelayMs'),
        maxDelayMs: get('policy.server.maxDelayMs'),
        timeoutMs: get('policy.server.timeoutMs'),
        maxBytes: get('policy.server.maxBytes'),
      },
      persistDir: get('policy.persistDir'),
      persist: get('policy.persist'),
      signing: {
        keyFile: get('policy.signing.keyFile'),
        algorithm: get('policy.signing.algorithm'),
        keyId: get('policy.signing.keyId'),
        scope: get('policy.signing.scope'),
      },
    },
    decisionLog: {
      target: logTarget,
      bufferEvents: get('decisionLog.bufferEvents'),
      file: { maxBytes: get('decisionLog.file.maxBytes') },
      erase: get('decisionLog.erase'),
      mask: get('decisionLog.mask'),
      eraseTokens: get('decisionLog.eraseTokens'),
      checkpoint: {
        keyFile: get('decisionLog.checkpoint.keyFile'),
        file: get('decisionLog.checkpoint.file'),
        everyEvents: get('decisionLog.checkpoint.everyEvents'),
        intervalMs: get('decisionLog.checkpoint.intervalMs'),
      },
      http: {
        url: get('decisionLog.http.url'),
        bearerToken: get('decisionLog.http.bearerToken'),
        batchMaxBytes: get('decisionLog.http.batchMaxBytes'),
        flushIntervalMs: get('decisionLog.http.flushIntervalMs'),
        bufferMaxEvents: get('decisionLog.http.bufferMaxEvents'),
        bufferMaxBytes: get('decisionLog.http.bufferMaxBytes'),
        timeoutMs: get('decisionLog.http.timeoutMs'),
        retryInitialMs: get('decisionLog.http.retryInitialMs'),
        retryMaxMs: get('decisionLog.http.retryMaxMs'),
        shutdownTimeoutMs: get('decisionLog.http.shutdownTimeoutMs'),
      },
    },
    http: {
      maxBodyBytes: get('http.maxBodyBytes'),
      maxHeaderBytes: get('http.maxHeaderBytes'),
      requestTimeoutMs: get('http.requestTimeoutMs'),
      headersTimeoutMs: get('http.headersTimeoutMs'),
      keepAliveTimeoutMs: get('http.keepAliveTimeoutMs'),
      forwardAuthPath: fwd,
      fastPath: get('http.fastPath'),
      explain: get('http.explain'),
    },
    log: { level: get('log.level') },
    diagnostics: { listen: diagnostics },
    tracing: { enabled: get('tracing.enabled') },
    shutdown: { drainDelayMs: get('shutdown.drainDelayMs'), timeoutMs: get('shutdown.timeoutMs') },
    workers: get('workers'),
  };
  return deepFreeze(config);
}

/** The bundle server settings only make sense together; each problem names its key. */
function checkPolicySource(get: <T>(key: string) => T): void {
  const url = get<string | undefined>('policy.server.url');
  if (get<string>('policy.source') === 'http') {
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
  if (get<number>('policy.server.maxDelayMs') < get<number>('policy.server.minDelayMs')) {
    throw configError('policy.server.maxDelayMs', 'must not be smaller than policy.server.minDelayMs');
  }
  if (get<string | undefined>('policy.signing.scope') !== undefined && get<string | undefined>('policy.signing.keyFile') === undefined) {
    throw configError('policy.signing.scope', 'is set but policy.signing.keyFile is not');
  }
}

function sameAddress(a: Listen, b: Listen): boolean {
  if (a.kind === 'unix' || b.kind === 'unix') return a.kind === b.kind && (a as { path: string }).path === (b as { path: string }).path;
  return a.port !== 0 && a.port === b.port && a.host === b.host;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Cross-key rules of the claims section; each error names the key the operator has to fix. */
function checkClaimsKeys(get: <T>(key: string) => T): void {
  for (const entry of get<readonly string[]>('claims.roleClaims')) {
    const problem = roleClaimProblem(entry);
    if (problem) throw configError('claims.roleClaims', `'${entry}': ${problem}`);
  }
  const introspects = get<readonly string[]>('claims.sources').includes('introspection') || get<boolean>('claims.introspection.verifyTokens');
  if (introspects && (!get('claims.clientId') || !get('claims.clientSecret'))) {
    throw configError(get('claims.clientId') ? 'claims.clientSecret' : 'claims.clientId', 'is required for introspection (AUTHZ_CLIENT_ID, AUTHZ_CLIENT_SECRET)');
  }
  const logoutPath = get<string | undefined>('claims.backchannelLogout.path');
  if (logoutPath !== undefined) {
    if (!logoutPath.startsWith('/')) throw configError('claims.backchannelLogout.path', `must start with '/', got '${logoutPath}'`);
    if (['/authorize', '/health', '/ready', get<string>('http.forwardAuthPath')].includes(logoutPath) || logoutPath.startsWith('/admin/')) {
      throw configError('claims.backchannelLogout.path', `'${logoutPath}' is already taken by another route`);
    }
    if (!get('claims.clientId')) throw configError('claims.clientId', 'is required by claims.backchannelLogout.path (the logout token\'s aud)');
  }
  const adminToken = get<string | undefined>('claims.admin.token');
  if (adminToken !== undefined && Buffer.byteLength(adminToken) < 32) throw configError('claims.admin.token', 'must be at least 32 bytes');
}

