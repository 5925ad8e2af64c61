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
  { key: 'http.explain', type: { kind: 'bool' }, default: true,
    description: 'Allow `?explain=input` on `/authorize` and `/v1/data`, which returns the input document the policy saw (secrets redacted).' },
];

