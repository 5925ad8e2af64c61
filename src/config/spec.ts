/**
 * Every configuration key, its type, default and meaning, in one place. The loader validates
 * against this table and docs/configuration.md is generated from it (`npm run docs:config`),
 * so the reference cannot drift from the code.
 */
export type KeyType =
  | { kind: 'string'; nonEmpty?: boolean }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string[]'; values?: readonly string[]; nonEmpty?: boolean }
  | { kind: 'listen' }
  | { kind: 'issuer' };

export interface KeySpec {
  readonly key: string;
  readonly type: KeyType;
  /** `undefined` means "not set" (optional) unless `required`. */
  readonly default?: unknown;
  readonly required?: boolean;
  readonly env?: string;
  readonly secret?: boolean;
  readonly description: string;
}

export const ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
  'HS256', 'HS384', 'HS512',
] as const;
export const HMAC_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];

const int = (min: number, max: number): KeyType => ({ kind: 'int', min, max });

export const CONFIG_SPEC: readonly KeySpec[] = [
  { key: 'listen', type: { kind: 'listen' }, default: '127.0.0.1:8181', env: 'AUTHZ_LISTEN',
    description: 'Where the HTTP API listens: `host:port` (IPv6 as `[::1]:8181`) or a Unix socket path (starting with `/` or `./`). Loopback by default; the API is meant for the service beside it.' },
  { key: 'issuer', type: { kind: 'issuer' }, required: true, env: 'AUTHZ_ISSUER',
    description: 'The token issuer, compared exactly with `iss`. Its discovery document `<issuer>/.well-known/openid-configuration` gives `jwks_uri` and `userinfo_endpoint`. Must be https, except on loopback addresses (development and tests).' },
  { key: 'audience', type: { kind: 'string[]' }, env: 'AUTHZ_AUDIENCE',
    description: 'Accepted `aud` values (the token must name at least one). Not checked when unset. Environment: comma-separated.' },
  { key: 'token.algorithms', type: { kind: 'string[]', values: ALGORITHMS, nonEmpty: true }, default: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    description: 'Accepted JWS algorithms. `none` is never accepted; HS* only together with `token.hmacSecret`.' },
  { key: 'token.hmacSecret', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_HMAC_SECRET', secret: true,
    description: 'Shared key for HS256/384/512 (at least 32 bytes). Only set it when the issuer signs with a shared secret; leave it unset for asymmetric keys.' },
  { key: 'token.clockToleranceSeconds', type: int(0, 300), default: 30,
    description: 'Clock skew tolerated when checking `exp`, `nbf` and `iat`.' },
  { key: 'token.maxBytes', type: int(256, 65536), default: 8192,
    description: 'Largest bearer token accepted, checked before any parsing.' },
  { key: 'token.typ', type: { kind: 'string', nonEmpty: true },
    description: 'Required `typ` header (for example `at+jwt`, RFC 9068). Not checked when unset.' },
  { key: 'jwks.timeoutMs', type: int(100, 60000), default: 5000, description: 'Timeout of one JWKS fetch.' },
  { key: 'jwks.cooldownMs', type: int(0, 3600000), default: 30000,
    description: 'An unknown `kid` refetches the JWKS at most once per cooldown.' },
  { key: 'jwks.cacheMaxAgeMs', type: int(1000, 86400000), default: 600000, description: 'How long a fetched JWKS is trusted before it is refetched.' },
  { key: 'discovery.timeoutMs', type: int(100, 60000), default: 5000, description: 'Timeout of one discovery request.' },
  { key: 'discovery.retryInitialMs', type: int(10, 60000), default: 250, description: 'First delay between discovery attempts at startup (doubles each time, with jitter).' },
  { key: 'discovery.retryMaxMs', type: int(10, 600000), default: 30000, description: 'Longest delay between discovery attempts.' },
  { key: 'claims.enrich', type: { kind: 'enum', values: ['when-missing', 'always', 'never'] }, default: 'when-missing',
    description: 'When to call userinfo: `when-missing` (none of `claims.roleClaims` is in the token), `always`, or `never`.' },
  { key: 'claims.roleClaims', type: { kind: 'string[]', nonEmpty: true }, default: ['roles'],
    description: 'Where roles live, as dotted paths into the claims, merged in order: for example `roles`, `groups`, `realm_access.roles`, `resource_access.my-client.roles`.' },
  { key: 'claims.cacheTtlSeconds', type: int(0, 86400), default: 300,
    description: 'How long fetched claims are reused; never longer than the token\'s `exp`. 0 disables the cache.' },
  { key: 'claims.cacheMaxEntries', type: int(1, 10000000), default: 100000,
    description: 'Most subjects kept in the claims cache; when full, new subjects are fetched but not cached.' },
  { key: 'claims.userinfo.connectTimeoutMs', type: int(10, 60000), default: 1000, description: 'Connect timeout to the userinfo endpoint.' },
  { key: 'claims.userinfo.headersTimeoutMs', type: int(10, 60000), default: 2000, description: 'Time allowed until userinfo response headers arrive.' },
  { key: 'claims.userinfo.bodyTimeoutMs', type: int(10, 60000), default: 2000, description: 'Time allowed between userinfo body chunks.' },
  { key: 'claims.userinfo.maxResponseBytes', type: int(1024, 67108864), default: 4194304,
    description: 'Largest userinfo response accepted (30,000 roles are about 1 MiB).' },
  { key: 'claims.userinfo.connections', type: int(1, 1024), default: 16, description: 'Keep-alive connections in the userinfo pool.' },
  { key: 'policy.bundle', type: { kind: 'string', nonEmpty: true }, default: 'bundles/authz.tar.gz', env: 'AUTHZ_BUNDLE',
    description: 'Path of the policy bundle (.tar.gz from `opa build -t wasm`).' },
  { key: 'policy.entrypoint', type: { kind: 'string', nonEmpty: true }, default: 'authz/decision', env: 'AUTHZ_ENTRYPOINT',
    description: 'Entrypoint evaluated for `/authorize`; it returns a boolean or `{allow, reasons}`.' },
  { key: 'policy.watch', type: { kind: 'bool' }, default: true, description: 'Reload the bundle when the file changes.' },
  { key: 'policy.memoryInitialPages', type: int(2, 65536), default: 32, description: 'Initial Wasm memory in 64 KiB pages.' },
  { key: 'policy.memoryMaxPages', type: int(2, 65536), default: 2048,
    description: 'Wasm memory ceiling in 64 KiB pages (2048 = 128 MiB); an evaluation that needs more fails with `policy_error`.' },
  { key: 'decisionLog.target', type: { kind: 'string', nonEmpty: true }, default: 'stdout', env: 'AUTHZ_DECISION_LOG',
    description: '`stdout`, or a file path (JSON lines, appended).' },
  { key: 'decisionLog.bufferEvents', type: int(1, 10000000), default: 100000,
    description: 'Events held in memory while the sink is slow; beyond it events are dropped and counted.' },
  { key: 'http.maxBodyBytes', type: int(64, 16777216), default: 65536, description: 'Largest request body (413 beyond).' },
  { key: 'http.maxHeaderBytes', type: int(1024, 131072), default: 16384, description: 'Largest request header section (431 beyond).' },
  { key: 'http.requestTimeoutMs', type: int(100, 600000), default: 10000, description: 'Time allowed to receive a whole request.' },
  { key: 'http.headersTimeoutMs', type: int(100, 600000), default: 5000, description: 'Time allowed to receive the request headers.' },
  { key: 'http.keepAliveTimeoutMs', type: int(100, 600000), default: 5000, description: 'Idle keep-alive connections are closed after this.' },
  { key: 'http.forwardAuthPath', type: { kind: 'string', nonEmpty: true }, default: '/forward-auth',
    description: 'Path of the forward-auth endpoint for proxies (nginx `auth_request`, Traefik ForwardAuth).' },
  { key: 'log.level', type: { kind: 'enum', values: ['debug', 'info', 'warn', 'error'] }, default: 'info', env: 'AUTHZ_LOG_LEVEL',
    description: 'Least severe process log level written (JSON lines on stderr). Reloadable with SIGHUP.' },
  { key: 'diagnostics.listen', type: { kind: 'listen' }, env: 'AUTHZ_DIAGNOSTICS_LISTEN',
    description: 'A second listener that serves only `/health`, `/ready` and `/metrics` (never `/authorize`), for probes and Prometheus when the API stays on loopback, for example `0.0.0.0:9464` in a pod. Off when unset. In cluster mode it is served by the primary with metrics summed over workers.' },
  { key: 'tracing.enabled', type: { kind: 'bool' }, default: false, env: 'AUTHZ_TRACING',
    description: 'Emit an OpenTelemetry span per decision (with verify, claims and policy children) through @opentelemetry/api, parented to the incoming `traceparent`. Spans reach an exporter only if the process registers an OpenTelemetry SDK (see docs/operations.md); off, tracing costs nothing.' },
  { key: 'shutdown.drainDelayMs', type: int(0, 600000), default: 0,
    description: 'On SIGTERM/SIGINT, how long to keep serving with `/ready` answering 503 before the listener closes, so load balancers stop sending first. 0 closes at once.' },
  { key: 'shutdown.timeoutMs', type: int(100, 600000), default: 15000,
    description: 'Longest wait for in-flight requests after the listener closes; connections still busy then are closed and counted (`authz_http_requests_cut_total`).' },
  { key: 'workers', type: int(0, 256), default: 1, env: 'AUTHZ_WORKERS',
    description: 'Worker processes (node:cluster) sharing the listener: 1 runs a single process, 0 one per core (`os.availableParallelism()`). Each worker has its own caches and bundle; see docs/operations.md.' },
];

