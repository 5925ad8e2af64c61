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
  { key: 'audience', type: { kind: 'string[]', nonEmpty: true }, env: 'AUTHZ_AUDIENCE',
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
  { key: 'token.cacheTtlSeconds', type: int(0, 3600), default: 60,
    description: 'How long a successful verification is reused for the same token (keyed by its SHA-256, never past `exp`). 0 verifies every request. A key removed from the JWKS still verifies its cached tokens for up to this long.' },
  { key: 'token.cacheMaxEntries', type: int(1, 10000000), default: 100000,
    description: 'Most verified tokens remembered; when full, further tokens are verified every time until entries expire.' },
  { key: 'jwks.timeoutMs', type: int(100, 60000), default: 5000, description: 'Timeout of one JWKS fetch.' },
  { key: 'jwks.cooldownMs', type: int(0, 3600000), default: 30000,
    description: 'An unknown `kid` refetches the JWKS at most once per cooldown.' },
  { key: 'jwks.cacheMaxAgeMs', type: int(1000, 86400000), default: 600000, description: 'How long a fetched JWKS is trusted before it is refetched.' },
  { key: 'discovery.timeoutMs', type: int(100, 60000), default: 5000, description: 'Timeout of one discovery request.' },
  { key: 'discovery.retryInitialMs', type: int(10, 60000), default: 250, description: 'First delay between discovery attempts at startup (doubles each time, with jitter).' },
  { key: 'discovery.retryMaxMs', type: int(10, 600000), default: 30000, description: 'Longest delay between discovery attempts.' },
  { key: 'claims.enrich', type: { kind: 'enum', values: ['when-missing', 'always', 'never'] }, default: 'when-missing',
    description: 'When to fetch claims from `claims.sources`: `when-missing` (none of `claims.roleClaims` is in the token), `always`, or `never`.' },
  { key: 'claims.roleClaims', type: { kind: 'string[]', nonEmpty: true }, default: ['roles'],
    description: 'Where roles live, as dotted paths into the claims, merged in order: for example `roles`, `groups`, `realm_access.roles`, `resource_access.my-client.roles`. `path|prefix` prefixes every role found there (`resource_access.orders-api.roles|orders-api:`, `groups|group:`).' },
  { key: 'claims.cacheTtlSeconds', type: int(0, 86400), default: 300,
    description: 'How long fetched claims are reused; never longer than the token\'s `exp`. 0 disables the cache.' },
  { key: 'claims.cacheMaxEntries', type: int(1, 10000000), default: 100000,
    description: 'Most entries kept in the claims cache; when full, the least recently used entries are evicted.' },
  { key: 'claims.userinfo.connectTimeoutMs', type: int(10, 60000), default: 1000, description: 'Connect timeout to the userinfo endpoint.' },
  { key: 'claims.userinfo.headersTimeoutMs', type: int(10, 60000), default: 2000, description: 'Time allowed until userinfo response headers arrive.' },
  { key: 'claims.userinfo.bodyTimeoutMs', type: int(10, 60000), default: 2000, description: 'Time allowed between userinfo body chunks.' },
  { key: 'claims.userinfo.maxResponseBytes', type: int(1024, 67108864), default: 4194304,
    description: 'Largest userinfo response accepted (30,000 roles are about 1 MiB).' },
  { key: 'claims.userinfo.connections', type: int(1, 1024), default: 16, description: 'Keep-alive connections in the userinfo pool.' },
  { key: 'claims.sources', type: { kind: 'string[]', values: ['userinfo', 'introspection'], nonEmpty: true }, default: ['userinfo'],
    description: 'Where fetched claims come from, merged in this order: `userinfo` (OIDC userinfo with the caller\'s token), `introspection` (RFC 7662, with `claims.clientId`/`claims.clientSecret`), or both.' },
  { key: 'claims.staleIfErrorSeconds', type: int(0, 86400), default: 60,
    description: 'After cached claims go stale, how long they are still served while the IdP fails (timeout, 5xx, bad answer, circuit open). Each such use is marked `"cache":"stale"` in the decision log. 0 disables.' },
  { key: 'claims.negativeTtlSeconds', type: int(0, 3600), default: 10,
    description: 'How long a refusal (userinfo 401/403, introspection `active: false`) is remembered for that token, so a refused token does not call the IdP on every request. 0 disables.' },
  { key: 'claims.cacheMaxBytes', type: int(1048576, 17179869184), default: 268435456,
    description: 'Approximate heap budget of the claims cache (estimated as 512 bytes + 3 × the IdP\'s JSON answer per entry; measured: 1.0 KB for 10 roles, 49 KB for 1,000 (scripts/measure-claims-cache.ts)). When full, the least recently used entries are evicted.' },
  { key: 'claims.merge', type: { kind: 'enum', values: ['token-wins', 'idp-wins'] }, default: 'token-wins',
    description: 'Which value a claim present in both the token and a fetched answer takes. `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `jti`, `azp`, `client_id`, `scope` and `sid` always come from the token.' },
  { key: 'claims.roleMerge', type: { kind: 'enum', values: ['union', 'idp-only'] }, default: 'union',
    description: '`union`: roles are those of the token plus those fetched. `idp-only`: once claims were fetched, only the IdP\'s roles count, so a role removed at the IdP stops working even while an older token still carries it.' },
  { key: 'claims.clientId', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_CLIENT_ID',
    description: 'The sidecar\'s client id at the IdP: the `aud` checked in signed userinfo answers and back-channel logout tokens, and the client that authenticates to introspection.' },
  { key: 'claims.clientSecret', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_CLIENT_SECRET', secret: true,
    description: 'Client secret for introspection (HTTP Basic, RFC 6749 §2.3.1). Needed when `claims.sources` has `introspection` or `claims.introspection.verifyTokens` is on.' },
  { key: 'claims.breaker.failureThreshold', type: int(1, 1000), default: 5,
    description: 'Consecutive IdP failures (timeouts, 5xx, bad answers) after which calls to that endpoint stop for `claims.breaker.coolOffMs`: uncached subjects are denied at once, cached ones served stale within `claims.staleIfErrorSeconds`.' },
  { key: 'claims.breaker.coolOffMs', type: int(100, 3600000), default: 5000,
    description: 'How long an open circuit stays open; then one probe call is let through, and its success closes the circuit.' },
  { key: 'claims.introspection.verifyTokens', type: { kind: 'bool' }, default: false,
    description: 'Accept bearer tokens that are not JWTs (opaque) or are JWTs without `sub` (Keycloak lightweight access tokens), verified by introspection alone: `active` must be true, `exp` present and future, `iss` (when given) the issuer, `aud` one of `audience` (when configured).' },
  { key: 'claims.backchannelLogout.path', type: { kind: 'string', nonEmpty: true },
    description: 'Path of the OIDC Back-Channel Logout receiver (for example `/backchannel-logout`); a verified logout token evicts the subject\'s cached claims. Off when unset. Needs `claims.clientId`.' },
  { key: 'claims.admin.token', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_ADMIN_TOKEN', secret: true,
    description: 'Bearer token (at least 32 bytes) for `POST /admin/claims/evict` and `GET /admin/claims`, which answer loopback clients only. The admin endpoints are off when unset.' },
  { key: 'policy.bundle', type: { kind: 'string', nonEmpty: true }, default: 'bundles/authz.tar.gz', env: 'AUTHZ_BUNDLE',
    description: 'Path of the policy bundle (.tar.gz from `opa build -t wasm`).' },
  { key: 'policy.entrypoint', type: { kind: 'string', nonEmpty: true }, default: 'authz/decision', env: 'AUTHZ_ENTRYPOINT',
    description: 'Entrypoint evaluated for `/authorize`; it returns a boolean or `{allow, reasons}`.' },
  { key: 'policy.relevantRoles', type: { kind: 'string', nonEmpty: true },
    description: 'A path into the bundle\'s data (for example `authz/role_grants`) whose keys (object) or items (array) are the only roles the policy grants on. When set, `input.subject.roles` holds only those of the subject\'s roles and the raw role claims (`claims.roleClaims`) are left out of the subject, so a user with 30,000 roles costs the policy what a user with 10 does. Unset: the policy sees every role.' },
  { key: 'policy.watch', type: { kind: 'bool' }, default: true, description: 'Reload the bundle when the file changes.' },
  { key: 'policy.memoryInitialPages', type: int(2, 65536), default: 32, description: 'Initial Wasm memory in 64 KiB pages.' },
  { key: 'policy.memoryMaxPages', type: int(2, 65536), default: 2048,
    description: 'Wasm memory ceiling in 64 KiB pages (2048 = 128 MiB); an evaluation that needs more fails with `policy_error`.' },
  { key: 'policy.source', type: { kind: 'enum', values: ['file', 'http'] }, default: 'file', env: 'AUTHZ_BUNDLE_SOURCE',
    description: 'Where bundles come from: `file` (`policy.bundle`, watched) or `http` (a bundle server speaking OPA\'s bundle protocol, `policy.server.*`).' },
  { key: 'policy.server.url', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_BUNDLE_URL',
    description: 'With `policy.source: http`: the bundle\'s URL (for example `https://bundles.example.com/bundles/authz.tar.gz`). Must be https, except on loopback addresses.' },
  { key: 'policy.server.authorization', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_BUNDLE_AUTHORIZATION', secret: true,
    description: 'Authorization header value sent to the bundle server, for example `Bearer <token>`. Never logged.' },
  { key: 'policy.server.minDelayMs', type: int(10, 86400000), default: 60000,
    description: 'Shortest delay between two polls of the bundle server (each delay is random between min and max).' },
  { key: 'policy.server.maxDelayMs', type: int(10, 86400000), default: 120000,
    description: 'Longest delay between two polls; failed polls retry after 100 ms, doubling up to this.' },
  { key: 'policy.server.timeoutMs', type: int(100, 600000), default: 30000, description: 'Timeout of one bundle download.' },
  { key: 'policy.server.maxBytes', type: int(1024, 1073741824), default: 67108864, description: 'Largest bundle download accepted (compressed size).' },
  { key: 'policy.persistDir', type: { kind: 'string', nonEmpty: true }, default: '.cache/bundles', env: 'AUTHZ_BUNDLE_PERSIST_DIR',
    description: 'With `policy.source: http`: where the last good bundle is kept, and used at start when the bundle server is unreachable.' },
  { key: 'policy.persist', type: { kind: 'bool' }, default: true, description: 'Persist the last good downloaded bundle in `policy.persistDir`.' },
  { key: 'policy.signing.keyFile', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_BUNDLE_KEY_FILE',
    description: 'Verify signed bundles (`opa build --signing-key`) with this PEM public key or certificate (for HS256/384/512: a file holding the shared secret). When set, unsigned or badly signed bundles are refused; when unset, signed bundles are refused.' },
  { key: 'policy.signing.algorithm', type: { kind: 'enum', values: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] }, default: 'RS256',
    description: 'Algorithm of the bundle signature (`opa build --signing-alg`).' },
  { key: 'policy.signing.keyId', type: { kind: 'string', nonEmpty: true }, default: 'default',
    description: 'Name of the verification key; a signature that names another key (`kid`, or the `keyid` claim) is refused.' },
  { key: 'policy.signing.scope', type: { kind: 'string', nonEmpty: true },
    description: 'Required `scope` claim of the signature (`opa build --claims-file`). Compared exactly, as OPA does: when unset, a signature with a scope is refused.' },
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
  { key: 'http.fastPath', type: { kind: 'bool' }, default: true,
    description: 'Answer `POST /authorize` and forward-auth on a lean node:http path instead of express (same answers; express still serves everything else and any unusual request). Off: everything goes through express.' },
  { key: 'http.explain', type: { kind: 'bool' }, default: true,
    description: 'Allow `?explain=input` on `/authorize` and `/v1/data`, which returns the input document the policy saw (secrets redacted).' },
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

