/** The validated, frozen configuration every component receives. See spec.ts for meanings. */
export type Listen = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export interface Config {
  readonly listen: Listen;
  readonly issuer: string;
  readonly audience: readonly string[] | undefined;
  readonly token: {
    readonly algorithms: readonly string[];
    readonly hmacSecret: string | undefined;
    readonly clockToleranceSeconds: number;
    readonly maxBytes: number;
    readonly typ: string | undefined;
    readonly cacheTtlSeconds: number;
    readonly cacheMaxEntries: number;
  };
  readonly jwks: { readonly timeoutMs: number; readonly cooldownMs: number; readonly cacheMaxAgeMs: number };
  readonly discovery: { readonly timeoutMs: number; readonly retryInitialMs: number; readonly retryMaxMs: number };
  readonly claims: {
    readonly enrich: 'when-missing' | 'always' | 'never';
    readonly roleClaims: readonly string[];
    readonly cacheTtlSeconds: number;
    readonly cacheMaxEntries: number;
    readonly userinfo: {
      readonly connectTimeoutMs: number;
      readonly headersTimeoutMs: number;
      readonly bodyTimeoutMs: number;
      readonly maxResponseBytes: number;
      readonly connections: number;
    };
    readonly sources: readonly ('userinfo' | 'introspection')[];
    readonly staleIfErrorSeconds: number;
    readonly negativeTtlSeconds: number;
    readonly cacheMaxBytes: number;
    readonly merge: 'token-wins' | 'idp-wins';
    readonly roleMerge: 'union' | 'idp-only';
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly breaker: { readonly failureThreshold: number; readonly coolOffMs: number };
    readonly introspection: { readonly verifyTokens: boolean };
    readonly backchannelLogout: { readonly path: string | undefined };
    readonly admin: { readonly token: string | undefined };
  };
  readonly policy: {
    readonly bundle: string;
    readonly entrypoint: string;
    readonly relevantRoles: string | undefined;
    readonly watch: boolean;
    readonly memoryInitialPages: number;
    readonly memoryMaxPages: number;
    readonly source: 'file' | 'http';
    readonly server: {
      readonly url: string | undefined;
      readonly authorization: string | undefined;
      readonly minDelayMs: number;
      readonly maxDelayMs: number;
      readonly timeoutMs: number;
      readonly maxBytes: number;
    };
    readonly persistDir: string;
    readonly persist: boolean;
    readonly signing: {
      readonly keyFile: string | undefined;
      readonly algorithm: string;
      readonly keyId: string;
      readonly scope: string | undefined;
    };
  };
  readonly decisionLog: {
    readonly target: string;
    readonly bufferEvents: number;
    readonly file: { readonly maxBytes: number };
    readonly erase: readonly string[];
    readonly mask: readonly string[];
    readonly eraseTokens: boolean;
    readonly checkpoint: {
      readonly keyFile: string | undefined;
      readonly file: string | undefined;
      readonly everyEvents: number;
      readonly intervalMs: number;
    };
    readonly http: {
      readonly url: string | undefined;
      readonly bearerToken: string | undefined;
      readonly batchMaxBytes: number;
      readonly flushIntervalMs: number;
      readonly bufferMaxEvents: number;
      readonly bufferMaxBytes: number;
      readonly timeoutMs: number;
      readonly retryInitialMs: number;
      readonly retryMaxMs: number;
      readonly shutdownTimeoutMs: number;
    };
  };
  readonly http: {
    readonly maxBodyBytes: number;
    readonly maxHeaderBytes: number;
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly forwardAuthPath: string;
    readonly fastPath: boolean;
    readonly explain: boolean;
  };
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error' };
  readonly diagnostics: { readonly listen: Listen | undefined };
  readonly tracing: { readonly enabled: boolean };
  readonly shutdown: { readonly drainDelayMs: number; readonly timeoutMs: number };
  /** 1: one process; 0: one worker per core; N: N cluster workers. */
  readonly workers: number;
}
