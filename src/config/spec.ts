import { bool, int, key, list, listen, oneOf, optional, text, url, type Decl, type KeySpec } from './declare.ts';

/**
 * Every configuration key, declared once: its type, default, environment variable, whether a
 * SIGHUP may change it (`reload`), and its meaning. The `Config` type is derived from this tree
 * (config.ts), the loader validates against it (load-config.ts), reload planning reads `reload`
 * (src/runtime/plan-reload.ts), and docs/configuration.md is generated from it
 * (`npm run docs:config`), so none of them can drift from the others. Cross-key rules and derived
 * values live with the component that owns the section (see src/runtime/settings.ts).
 */

export const ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
  'HS256', 'HS384', 'HS512',
] as const;
export const HMAC_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];
const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const;

export const SPEC = {
  listen: key(listen(), { default: '127.0.0.1:8181', env: 'AUTHZ_LISTEN',
      description: 'Where the HTTP API listens: `host:port` (IPv6 as `[::1]:8181`) or a Unix socket path (starting with `/` or `./`). Loopback by default; the API is meant for the service beside it.' }),
  issuer: key(url(), { required: true, env: 'AUTHZ_ISSUER',
      description: 'The token issuer, compared exactly with `iss`. Its discovery document `<issuer>/.well-known/openid-configuration` gives `jwks_uri` and `userinfo_endpoint`. Must be https, except on loopback addresses (development and tests).' }),
  audience: optional(list({ nonEmpty: true }), { env: 'AUTHZ_AUDIENCE', reload: true,
      description: 'Accepted `aud` values (the token must name at least one). Not checked when unset. Environment: comma-separated.' }),
  token: {
    algorithms: key(list({ values: ALGORITHMS, nonEmpty: true }), { default: ['RS256', 'PS256', 'ES256', 'EdDSA'], reload: true,
        description: 'Accepted JWS algorithms. `none` is never accepted; HS* only together with `token.hmacSecret`.' }),
    hmacSecret: optional(text(), { env: 'AUTHZ_HMAC_SECRET', secret: true, reload: true,
        description: 'Shared key for HS256/384/512 (at least 32 bytes). Only set it when the issuer signs with a shared secret; leave it unset for asymmetric keys.' }),
    clockToleranceSeconds: key(int(0, 300), { default: 30, reload: true,
        description: 'Clock skew tolerated when checking `exp`, `nbf` and `iat`.' }),
    maxBytes: key(int(256, 65536), { default: 8192, reload: true,
        description: 'Largest bearer token accepted, checked before any parsing.' }),
    typ: optional(text(), { reload: true,
        description: 'Required `typ` header (for example `at+jwt`, RFC 9068). Not checked when unset.' }),
    cacheTtlSeconds: key(int(0, 3600), { default: 60, reload: true,
        description: 'How long a successful verification is reused for the same token (keyed by its SHA-256, never past `exp`). 0 verifies every request. A key removed from the JWKS still verifies its cached tokens for up to this long.' }),
    cacheMaxEntries: key(int(1, 10000000), { default: 100000, reload: true,
        description: 'Most verified tokens remembered; when full, the least recently used one is forgotten (its token is verified again when it returns). Expired entries are dropped when met, never by a walk over the whole cache.' }),
  },
  jwks: {
    timeoutMs: key(int(100, 60000), { default: 5000,
        description: 'Timeout of one JWKS fetch.' }),
    cooldownMs: key(int(0, 3600000), { default: 30000,
        description: 'An unknown `kid` refetches the JWKS at most once per cooldown.' }),
    cacheMaxAgeMs: key(int(1000, 86400000), { default: 600000,
        description: 'How long a fetched JWKS is trusted before it is refetched.' }),
  },
  discovery: {
    timeoutMs: key(int(100, 60000), { default: 5000,
        description: 'Timeout of one discovery request.' }),
    retryInitialMs: key(int(10, 60000), { default: 250,
        description: 'First delay between discovery attempts at startup (doubles each time, with jitter).' }),
    retryMaxMs: key(int(10, 600000), { default: 30000,
        description: 'Longest delay between discovery attempts.' }),
  },
  claims: {
    enrich: key(oneOf(['when-missing', 'always', 'never']), { default: 'when-missing', reload: true,
        description: 'When to fetch claims from `claims.sources`: `when-missing` (none of `claims.roleClaims` is in the token), `always`, or `never`.' }),
    roleClaims: key(list({ nonEmpty: true }), { default: ['roles'], reload: true,
        description: 'Where roles live, as dotted paths into the claims, merged in order: for example `roles`, `groups`, `realm_access.roles`, `resource_access.my-client.roles`. `path|prefix` prefixes every role found there (`resource_access.orders-api.roles|orders-api:`, `groups|group:`).' }),
    cacheTtlSeconds: key(int(0, 86400), { default: 300, reload: true,
        description: 'How long fetched claims are reused; never longer than the token\'s `exp`. 0 disables the cache.' }),
    cacheMaxEntries: key(int(1, 10000000), { default: 100000,
        description: 'Most entries kept in the claims cache; when full, the least recently used entries are evicted.' }),
    userinfo: {
      connectTimeoutMs: key(int(10, 60000), { default: 1000,
          description: 'Connect timeout to the userinfo endpoint.' }),
      headersTimeoutMs: key(int(10, 60000), { default: 2000,
          description: 'Time allowed until userinfo response headers arrive.' }),
      bodyTimeoutMs: key(int(10, 60000), { default: 2000,
          description: 'Time allowed between userinfo body chunks.' }),
      maxResponseBytes: key(int(1024, 67108864), { default: 4194304,
          description: 'Largest userinfo response accepted (30,000 roles are about 1 MiB).' }),
      connections: key(int(1, 1024), { default: 16,
          description: 'Keep-alive connections in the userinfo pool.' }),
    },
    sources: key(list({ values: ['userinfo', 'introspection'], nonEmpty: true }), { default: ['userinfo'],
        description: 'Where fetched claims come from, merged in this order: `userinfo` (OIDC userinfo with the caller\'s token), `introspection` (RFC 7662, with `claims.clientId`/`claims.clientSecret`), or both.' }),
    staleIfErrorSeconds: key(int(0, 86400), { default: 60,
        description: 'After cached claims go stale, how long they are still served while the IdP fails (timeout, 5xx, bad answer, circuit open). Each such use is marked `"cache":"stale"` in the decision log. 0 disables.' }),
    negativeTtlSeconds: key(int(0, 3600), { default: 10,
        description: 'How long a refusal (userinfo 401/403, introspection `active: false`) is remembered for that token, so a refused token does not call the IdP on every request. 0 disables.' }),
    cacheMaxBytes: key(int(1048576, 17179869184), { default: 268435456,
        description: 'Approximate heap budget of the claims cache (estimated as 512 bytes + 3 × the IdP\'s JSON answer per entry; measured: 1.0 KB for 10 roles, 49 KB for 1,000 (scripts/measure-claims-cache.ts)). When full, the least recently used entries are evicted.' }),
    merge: key(oneOf(['token-wins', 'idp-wins']), { default: 'token-wins',
        description: 'Which value a claim present in both the token and a fetched answer takes. `iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `jti`, `azp`, `client_id`, `scope` and `sid` always come from the token.' }),
    roleMerge: key(oneOf(['union', 'idp-only']), { default: 'union',
        description: '`union`: roles are those of the token plus those fetched. `idp-only`: once claims were fetched, only the IdP\'s roles count, so a role removed at the IdP stops working even while an older token still carries it.' }),
    clientId: optional(text(), { env: 'AUTHZ_CLIENT_ID',
        description: 'The sidecar\'s client id at the IdP: the `aud` checked in signed userinfo answers and back-channel logout tokens, and the client that authenticates to introspection.' }),
    clientSecret: optional(text(), { env: 'AUTHZ_CLIENT_SECRET', secret: true,
        description: 'Client secret for introspection (HTTP Basic, RFC 6749 §2.3.1). Needed when `claims.sources` has `introspection` or `claims.introspection.verifyTokens` is on.' }),
    breaker: {
      failureThreshold: key(int(1, 1000), { default: 5,
          description: 'Consecutive IdP failures (timeouts, 5xx, bad answers) after which calls to that endpoint stop for `claims.breaker.coolOffMs`: uncached subjects are denied at once, cached ones served stale within `claims.staleIfErrorSeconds`.' }),
      coolOffMs: key(int(100, 3600000), { default: 5000,
          description: 'How long an open circuit stays open; then one probe call is let through, and its success closes the circuit.' }),
    },
    introspection: {
      verifyTokens: key(bool(), { default: false,
          description: 'Accept bearer tokens that are not JWTs (opaque) or are JWTs without `sub` (Keycloak lightweight access tokens), verified by introspection alone: `active` must be true, `exp` present and future, `iss` (when given) the issuer, `aud` one of `audience` (when configured).' }),
    },
    backchannelLogout: {
      path: optional(text(), { 
          description: 'Path of the OIDC Back-Channel Logout receiver (for example `/backchannel-logout`); a verified logout token evicts the subject\'s cached claims. Off when unset. Needs `claims.clientId`.' }),
    },
    subjectLookup: {
      url: optional(url(), {
          description: 'Where the claims of a subject known only by its id come from: an https URL with `{id}` where the percent-encoded id goes (for example a SCIM `https://idp.example.com/scim/v2/Users/{id}`). Used for AuthZEN subjects asserted by an enforcement point (docs/authzen.md), when the claims cache holds none. It answers 200 with a JSON object of claims (roles at `claims.roleClaims`), or 404. Through the claims cache, with the `claims.userinfo.*` timeouts and size cap and a circuit breaker. Off when unset.' }),
      authorization: optional(text(), { env: 'AUTHZ_SUBJECT_LOOKUP_AUTHORIZATION', secret: true,
          description: 'Authorization header value sent to `claims.subjectLookup.url`, for example `Bearer <token>`. Never logged.' }),
    },
    admin: {
      token: optional(text(), { env: 'AUTHZ_ADMIN_TOKEN', secret: true,
          description: 'Bearer token (at least 32 bytes) for `POST /admin/claims/evict` and `GET /admin/claims`, which answer loopback clients only. The admin endpoints are off when unset.' }),
    },
  },
  policy: {
    bundle: key(text(), { default: 'bundles/authz.tar.gz', env: 'AUTHZ_BUNDLE', reload: true,
        description: 'Path of the policy bundle (.tar.gz from `opa build -t wasm`).' }),
    entrypoint: key(text(), { default: 'authz/decision', env: 'AUTHZ_ENTRYPOINT', reload: true,
        description: 'Entrypoint evaluated for `/authorize`; it returns a boolean or `{allow, reasons}`.' }),
    relevantRoles: optional(text(), { 
        description: 'Which of a subject\'s roles the policy sees. Unset (the default): the bundle\'s own declaration, `data.<package>.authz_sidecar.relevant_roles` (a list of role names, package of `policy.entrypoint`; the sample policy has one), narrows `input.subject.roles` to those roles and leaves every other claim alone; a bundle without it sees every role. Set to a path into the bundle\'s data (for example `authz/role_grants`) whose keys (object) or items (array) are the only roles the policy grants on: `input.subject.roles` holds only those and the raw role claims (`claims.roleClaims`) are left out of the subject too. `*`: the policy sees every role, whatever the bundle declares. Either way a user with 30,000 roles costs the policy what a user with 10 does; decision events say so in `roles_filter`.' }),
    watch: key(bool(), { default: true, reload: true,
        description: 'Reload the bundle when the file changes.' }),
    memoryInitialPages: key(int(2, 65536), { default: 32, reload: true,
        description: 'Initial Wasm memory in 64 KiB pages.' }),
    memoryMaxPages: key(int(2, 65536), { default: 2048, reload: true,
        description: 'Wasm memory ceiling in 64 KiB pages (2048 = 128 MiB); an evaluation that needs more fails with `policy_error`.' }),
    source: key(oneOf(['file', 'http']), { default: 'file', env: 'AUTHZ_BUNDLE_SOURCE',
        description: 'Where bundles come from: `file` (`policy.bundle`, watched) or `http` (a bundle server speaking OPA\'s bundle protocol, `policy.server.*`).' }),
    server: {
      url: optional(text(), { env: 'AUTHZ_BUNDLE_URL',
          description: 'With `policy.source: http`: the bundle\'s URL (for example `https://bundles.example.com/bundles/authz.tar.gz`). Must be https, except on loopback addresses.' }),
      authorization: optional(text(), { env: 'AUTHZ_BUNDLE_AUTHORIZATION', secret: true,
          description: 'Authorization header value sent to the bundle server, for example `Bearer <token>`. Never logged.' }),
      minDelayMs: key(int(10, 86400000), { default: 60000,
          description: 'Shortest delay between two polls of the bundle server (each delay is random between min and max).' }),
      maxDelayMs: key(int(10, 86400000), { default: 120000,
          description: 'Longest delay between two polls; failed polls retry after 100 ms, doubling up to this.' }),
      timeoutMs: key(int(100, 600000), { default: 30000,
          description: 'Timeout of one bundle download.' }),
      maxBytes: key(int(1024, 1073741824), { default: 67108864,
          description: 'Largest bundle download accepted (compressed size).' }),
    },
    persistDir: key(text(), { default: '.cache/bundles', env: 'AUTHZ_BUNDLE_PERSIST_DIR',
        description: 'With `policy.source: http`: where the last good bundle is kept, and used at start when the bundle server is unreachable.' }),
    persist: key(bool(), { default: true,
        description: 'Persist the last good downloaded bundle in `policy.persistDir`.' }),
    signing: {
      keyFile: optional(text(), { env: 'AUTHZ_BUNDLE_KEY_FILE',
          description: 'Verify signed bundles (`opa build --signing-key`) with this PEM public key or certificate (for HS256/384/512: a file holding the shared secret). When set, unsigned or badly signed bundles are refused; when unset, signed bundles are refused.' }),
      algorithm: key(oneOf(SIGNING_ALGORITHMS), { default: 'RS256',
          description: 'Algorithm of the bundle signature (`opa build --signing-alg`).' }),
      keyId: key(text(), { default: 'default',
          description: 'Name of the verification key; a signature that names another key (`kid`, or the `keyid` claim) is refused.' }),
      scope: optional(text(), { 
          description: 'Required `scope` claim of the signature (`opa build --claims-file`). Compared exactly, as OPA does: when unset, a signature with a scope is refused.' }),
    },
  },
  decisionLog: {
    target: key(text(), { default: 'stdout', env: 'AUTHZ_DECISION_LOG', reload: true,
        description: '`stdout`, or a file path (JSON lines, appended). A file is hash-chained and verifiable with `authz-sidecar audit verify`; `none` writes no local log (with `decisionLog.http.url`).' }),
    bufferEvents: key(int(1, 10000000), { default: 100000, reload: true,
        description: 'Events held in memory while the sink is slow; beyond it events are dropped and counted.' }),
    file: {
      maxBytes: key(int(0, 1099511627776), { default: 104857600, reload: true,
          description: 'Size at which the decision log file is rotated to `<file>.<n>` (n grows; rotated files are never rewritten or deleted). The hash chain continues across files. 0 never rotates.' }),
    },
    erase: key(list(), { default: ['/input/request/query/access_token'], reload: true,
        description: 'JSON pointers (RFC 6901, under `/input` or `/result`) removed from every event before it is written; each removal is listed in the event\'s `erased`. The default removes an OAuth token passed as a query parameter (RFC 6750 §2.3).' }),
    mask: key(list(), { default: [], reload: true,
        description: 'JSON pointers whose value, when present, is replaced by `"**masked**"` (the key stays, so readers see it was there); listed in the event\'s `masked`.' }),
    eraseTokens: key(bool(), { default: true, reload: true,
        description: 'Also erase, anywhere in `input` and `result`, members named like a credential (`authorization`, `proxy-authorization`, `cookie`, `x-api-key`, `access_token`, `id_token`, `refresh_token`, `client_secret`, any case) and strings shaped like a JWT or an HTTP credential (`Bearer …`, `Basic …`).' }),
    checkpoint: {
      keyFile: optional(text(), { env: 'AUTHZ_DECISION_LOG_CHECKPOINT_KEY', reload: true,
          description: 'Private key (PEM or JWK; Ed25519, EC P-256/384/521 or RSA ≥ 2048) that signs chain checkpoints, so that cutting records off the end of the log, or rewriting the chain, is detected by `audit verify --key <public key>`. Unset: no checkpoints. Needs a file `decisionLog.target`.' }),
      file: optional(text(), { reload: true,
          description: 'Where signed checkpoints are appended (JSON lines). Default: `<decisionLog.target>.checkpoints`. Each checkpoint is also written to the process log, a copy outside this host\'s files.' }),
      everyEvents: key(int(1, 100000000), { default: 1000, reload: true,
          description: 'A checkpoint is signed after this many records, at each rotation and at shutdown.' }),
      intervalMs: key(int(100, 86400000), { default: 10000, reload: true,
          description: 'A checkpoint is also signed this often while records are being written: records written after the last checkpoint can be cut undetected.' }),
    },
    http: {
      url: optional(url(), { env: 'AUTHZ_DECISION_LOG_URL', reload: true,
          description: 'Also upload events to this URL in OPA\'s decision log API format (POST, gzip JSON array). https, except on loopback. Unset: no upload.' }),
      bearerToken: optional(text(), { env: 'AUTHZ_DECISION_LOG_TOKEN', secret: true, reload: true,
          description: 'Sent as `Authorization: Bearer …` with each upload.' }),
      batchMaxBytes: key(int(1024, 67108864), { default: 1048576, reload: true,
          description: 'Largest upload, in uncompressed JSON bytes; an event larger than this is dropped (`event_too_large`).' }),
      flushIntervalMs: key(int(10, 3600000), { default: 2000, reload: true,
          description: 'A batch that is not full is sent after this long.' }),
      bufferMaxEvents: key(int(1, 10000000), { default: 100000, reload: true,
          description: 'Events held while the service is slow or down; beyond it the oldest are dropped (`buffer_full`).' }),
      bufferMaxBytes: key(int(1024, 4294967296), { default: 67108864, reload: true,
          description: 'Bytes (serialised JSON) held while the service is slow or down; beyond it the oldest are dropped (`buffer_full`). Memory stays under this plus one batch.' }),
      timeoutMs: key(int(100, 600000), { default: 10000, reload: true,
          description: 'Timeout of one upload.' }),
      retryInitialMs: key(int(10, 600000), { default: 500, reload: true,
          description: 'First wait after a failed upload (network error, 408, 429, 5xx); doubles per failure, with jitter. A `Retry-After` from the service wins.' }),
      retryMaxMs: key(int(10, 3600000), { default: 60000, reload: true,
          description: 'Longest backoff between failed uploads.' }),
      shutdownTimeoutMs: key(int(0, 600000), { default: 5000, reload: true,
          description: 'At shutdown, how long to keep delivering what is buffered; what is left is dropped and counted (`shutdown`).' }),
    },
  },
  http: {
    maxBodyBytes: key(int(64, 16777216), { default: 65536, reload: true,
        description: 'Largest request body (413 beyond).' }),
    maxHeaderBytes: key(int(1024, 131072), { default: 16384,
        description: 'Largest request header section (431 beyond).' }),
    requestTimeoutMs: key(int(100, 600000), { default: 10000,
        description: 'Time allowed to receive a whole request.' }),
    headersTimeoutMs: key(int(100, 600000), { default: 5000,
        description: 'Time allowed to receive the request headers.' }),
    keepAliveTimeoutMs: key(int(100, 600000), { default: 5000,
        description: 'Idle keep-alive connections are closed after this.' }),
    forwardAuthPath: key(text(), { default: '/forward-auth', reload: true,
        description: 'Path of the forward-auth endpoint for proxies (nginx `auth_request`, Traefik ForwardAuth).' }),
    explain: key(bool(), { default: true, reload: true,
        description: 'Allow `?explain=input` on `/authorize` and `/v1/data`, which returns the input document the policy saw (secrets redacted).' }),
  },
  extAuthz: {
    grpc: {
      listen: optional(listen(), { env: 'AUTHZ_EXT_AUTHZ_GRPC_LISTEN',
          description: 'Where Envoy\'s external authorization gRPC service (`envoy.service.auth.v3.Authorization/Check`, plus the standard gRPC health service) listens, for example `127.0.0.1:9191` as opa-envoy-plugin does, or a Unix socket path. Off when unset. See docs/envoy.md.' }),
      maxReceiveBytes: key(int(1024, 67108864), { default: 4194304,
          description: 'Largest CheckRequest accepted (gRPC message size; it carries the request body when Envoy\'s `with_request_body` is set).' }),
    },
    http: {
      pathPrefix: optional(text(), { env: 'AUTHZ_EXT_AUTHZ_HTTP_PATH_PREFIX', reload: true,
          description: 'Serve Envoy\'s HTTP ext_authz service under this prefix (for example `/ext-authz`, Envoy\'s `http_service.path_prefix`): the original method, the path after the prefix and the `Authorization` header are decided on; 200 allows, 401/403 deny. Off when unset. See docs/envoy.md.' }),
    },
    input: key(oneOf(['sidecar', 'envoy']), { default: 'sidecar', env: 'AUTHZ_EXT_AUTHZ_INPUT', reload: true,
        description: 'The input document ext_authz checks give the policy: `sidecar` (the `/authorize` document: `subject`, `request` with the host) or `envoy` (opa-envoy-plugin\'s: `attributes`, `parsed_path`, `parsed_query`, `parsed_body`, `version`, plus the verified `subject`). Either way the result may be a boolean, `{allow, reasons}` or opa-envoy-plugin\'s object (`allowed`, `headers`, ...).' }),
  },
  log: {
    level: key(oneOf(['debug', 'info', 'warn', 'error']), { default: 'info', env: 'AUTHZ_LOG_LEVEL', reload: true,
        description: 'Least severe process log level written (JSON lines on stderr). Reloadable with SIGHUP.' }),
  },
  diagnostics: {
    listen: optional(listen(), { env: 'AUTHZ_DIAGNOSTICS_LISTEN',
        description: 'A second listener that serves only `/health`, `/ready` and `/metrics` (never `/authorize`), for probes and Prometheus when the API stays on loopback, for example `0.0.0.0:9464` in a pod. Off when unset. In cluster mode it is served by the primary with metrics summed over workers.' }),
  },
  tracing: {
    enabled: key(bool(), { default: false, env: 'AUTHZ_TRACING',
        description: 'Emit an OpenTelemetry span per decision (with verify, claims and policy children) through @opentelemetry/api, parented to the incoming `traceparent`. Spans reach an exporter only if the process registers an OpenTelemetry SDK (see docs/operations.md); off, tracing costs nothing.' }),
  },
  shutdown: {
    drainDelayMs: key(int(0, 600000), { default: 0, reload: true,
        description: 'On SIGTERM/SIGINT, how long to keep serving with `/ready` answering 503 before the listener closes, so load balancers stop sending first. 0 closes at once.' }),
    timeoutMs: key(int(100, 600000), { default: 15000, reload: true,
        description: 'Longest wait for in-flight requests after the listener closes; connections still busy then are closed and counted (`authz_http_requests_cut_total`).' }),
  },
  workers: key(int(0, 256), { default: 1, env: 'AUTHZ_WORKERS',
      description: 'Worker processes (node:cluster) sharing the listener: 1 runs a single process, 0 one per core (`os.availableParallelism()`). Each worker has its own caches and bundle; see docs/operations.md.' }),
  // OpenID AuthZEN Authorization API 1.0 (docs/authzen.md); rules across these keys: src/authzen/authzen-settings.ts.
  authzen: {
    enabled: key(bool(), { default: false, env: 'AUTHZ_AUTHZEN', reload: true,
        description: 'Serve the OpenID AuthZEN Authorization API 1.0 on the API listener: `POST /access/v1/evaluation`, `/access/v1/evaluations`, `/access/v1/search/{subject,resource,action}` and `GET /.well-known/authzen-configuration` (docs/authzen.md).' }),
    entrypoint: key(text(), { default: 'authzen/evaluation', env: 'AUTHZ_AUTHZEN_ENTRYPOINT', reload: true,
        description: 'Entrypoint that answers each AuthZEN evaluation; it returns a boolean or `{"decision": bool, "context"?: object}`. The input document is in docs/authzen.md.' }),
    searchEntrypoint: key(text(), { default: 'authzen/candidates', reload: true,
        description: 'Entrypoint that lists the candidates of a search (`input.search` is `subject`, `resource` or `action`); the sidecar answers those whose evaluation is true. A bundle without it has no search endpoints.' }),
    trust: key(list({ values: ['token', 'pep'], nonEmpty: true }), { default: ['token'], reload: true,
        description: 'Who may ask. `token`: the request carries the subject\'s own bearer token, verified and enriched as on `/authorize`, and `subject.id` must be its `sub`. `pep`: the enforcement point authenticates with `authzen.pepToken` and asserts the subject.' }),
    pepToken: optional(text(), { env: 'AUTHZ_AUTHZEN_PEP_TOKEN', secret: true, reload: true,
        description: 'The enforcement point\'s credential (at least 32 bytes), sent as `Authorization: Bearer <pepToken>`. Required when `authzen.trust` has `pep`.' }),
    maxEvaluations: key(int(1, 10000), { default: 100, reload: true,
        description: 'Most items in one `POST /access/v1/evaluations` request (400 beyond). Each is one policy evaluation and one decision-log event.' }),
    searchPageSize: key(int(1, 10000), { default: 100, reload: true,
        description: 'Most results in one search answer: the default and the ceiling of `page.limit`.' }),
    searchMaxCandidates: key(int(1, 1000000), { default: 1000, reload: true,
        description: 'Most candidates a search entrypoint may list; each is evaluated (a few µs each, on the event loop), so a larger list fails with `policy_error`.' }),
    pageTokenKey: optional(text(), { env: 'AUTHZ_AUTHZEN_PAGE_TOKEN_KEY', secret: true, reload: true,
        description: 'Key (at least 32 bytes) of the HMAC that makes search page tokens unforgeable. Unset: a random key per process, so a page token works only with the process that issued it; set it when replicas or workers share one load balancer.' }),
    baseUrl: optional(url(), { reload: true,
        description: 'The `policy_decision_point` of `GET /.well-known/authzen-configuration` and the base of its endpoint URLs, for a sidecar reached through a proxy (for example `https://pdp.example.com`). Unset: `http://` and the request\'s Host.' }),
  },

} as const;

/** Every key, flattened to its dotted name, in declaration order. */
export const CONFIG_SPEC: readonly KeySpec[] = Object.freeze(flatten(SPEC, ''));

function flatten(node: object, prefix: string): KeySpec[] {
  return Object.entries(node).flatMap(([name, child]: [string, Decl<unknown, boolean> | object]) => {
    const dotted = prefix + name;
    if (!('decl' in child)) return flatten(child, `${dotted}.`);
    const { decl: _decl, reload, ...rest } = child;
    return [Object.freeze({ key: dotted, ...rest, reload: reload === true })];
  });
}
