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
    description: '`stdout`, or a file path (JSON lines, appended). A file is hash-chained and verifiable with `authz-sidecar audit verify`; `none` writes no local log (with `decisionLog.http.url`).' },
  { key: 'decisionLog.bufferEvents', type: int(1, 10000000), default: 100000,
    description: 'Events held in memory while the sink is slow; beyond it events are dropped and counted.' },
  { key: 'decisionLog.file.maxBytes', type: int(0, 1099511627776), default: 104857600,
    description: 'Size at which the decision log file is rotated to `<file>.<n>` (n grows; rotated files are never rewritten or deleted). The hash chain continues across files. 0 never rotates.' },
  { key: 'decisionLog.erase', type: { kind: 'string[]' }, default: ['/input/request/query/access_token'],
    description: 'JSON pointers (RFC 6901, under `/input` or `/result`) removed from every event before it is written; each removal is listed in the event\'s `erased`. The default removes an OAuth token passed as a query parameter (RFC 6750 §2.3).' },
  { key: 'decisionLog.mask', type: { kind: 'string[]' }, default: [],
    description: 'JSON pointers whose value, when present, is replaced by `"**masked**"` (the key stays, so readers see it was there); listed in the event\'s `masked`.' },
  { key: 'decisionLog.eraseTokens', type: { kind: 'bool' }, default: true,
    description: 'Also erase, anywhere in `input` and `result`, members named like a credential (`authorization`, `proxy-authorization`, `cookie`, `x-api-key`, `access_token`, `id_token`, `refresh_token`, `client_secret`, any case) and strings shaped like a JWT or an HTTP credential (`Bearer …`, `Basic …`).' },
  { key: 'decisionLog.checkpoint.keyFile', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_DECISION_LOG_CHECKPOINT_KEY',
    description: 'Private key (PEM or JWK; Ed25519, EC P-256/384/521 or RSA ≥ 2048) that signs chain checkpoints, so that cutting records off the end of the log, or rewriting the chain, is detected by `audit verify --key <public key>`. Unset: no checkpoints. Needs a file `decisionLog.target`.' },
  { key: 'decisionLog.checkpoint.file', type: { kind: 'string', nonEmpty: true },
    description: 'Where signed checkpoints are appended (JSON lines). Default: `<decisionLog.target>.checkpoints`. Each checkpoint is also written to the process log, a copy outside this host\'s files.' },
  { key: 'decisionLog.checkpoint.everyEvents', type: int(1, 100000000), default: 1000,
    description: 'A checkpoint is signed after this many records, at each rotation and at shutdown.' },
  { key: 'decisionLog.checkpoint.intervalMs', type: int(100, 86400000), default: 10000,
    description: 'A checkpoint is also signed this often while records are being written: records written after the last checkpoint can be cut undetected.' },
  { key: 'decisionLog.http.url', type: { kind: 'issuer' }, env: 'AUTHZ_DECISION_LOG_URL',
    description: 'Also upload events to this URL in OPA\'s decision log API format (POST, gzip JSON array). https, except on loopback. Unset: no upload.' },
  { key: 'decisionLog.http.bearerToken', type: { kind: 'string', nonEmpty: true }, env: 'AUTHZ_DECISION_LOG_TOKEN', secret: true,
    description: 'Sent as `Authorization: Bearer …` with each upload.' },
  { key: 'decisionLog.http.batchMaxBytes', type: int(1024, 67108864), default: 1048576,
    description: 'Largest upload, in uncompressed JSON bytes; an event larger than this is dropped (`event_too_large`).' },
  { key: 'decisionLog.http.flushIntervalMs', type: int(10, 3600000), default: 2000,
    description: 'A batch that is not full is sent after this long.' },
  { key: 'decisionLog.http.bufferMaxEvents', type: int(1, 10000000), default: 100000,
    description: 'Events held while the service is slow or down; beyond it the oldest are dropped (`buffer_full`).' },
  { key: 'decisionLog.http.bufferMaxBytes', type: int(1024, 4294967296), default: 67108864,
    description: 'Bytes (serialised JSON) held while the service is slow or down; beyond it the oldest are dropped (`buffer_full`). Memory stays under this plus one batch.' },
  { key: 'decisionLog.http.timeoutMs', type: int(100, 600000), default: 10000, description: 'Timeout of one upload.' },
  { key: 'decisionLog.http.retryInitialMs', type: int(10, 600000), default: 500,
    description: 'First wait after a failed upload (network error, 408, 429, 5xx); doubles per failure, with jitter. A `Retry-After` from the service wins.' },
  { key: 'decisionLog.http.retryMaxMs', type: int(10, 3600000), default: 60000, description: 'Longest backoff between failed uploads.' },
  { key: 'decisionLog.http.shutdownTimeoutMs', type: int(0, 600000), default: 5000,
    description: 'At shutdown, how long to keep delivering what is buffered; what is left is dropped and counted (`shutdown`).' },
  { key: 'http.maxBodyBytes', type: int(64, 16777216), default: 65536, description: 'Largest request body (413 beyond).' },
  { key: 'http.maxHeaderBytes', type: int(1024, 131072), default: 16384, description: 'Largest request header section (431 beyond).' },
  { key: 'http.requestTimeoutMs', type: int(100, 600000), default: 10000, description: 'Time allowed to receive a whole request.' },
  { key: 'http.headersTimeoutMs', type: int(100, 600000), default: 5000, description: 'Time allowed to receive the request headers.' },
  { key: 'http.keepAliveTimeoutMs', type: int(100, 600000), default: 5000, description: 'Idle keep-alive connections are closed after this.' },
  { key: 'http.forwardAuthPath', type: { kind: 'string', nonEmpty: true }, default: '/forward-auth',
    description: 'Path of the forward-auth endpoint for proxies (nginx `auth_request`, Traefik ForwardAuth).' },
];

