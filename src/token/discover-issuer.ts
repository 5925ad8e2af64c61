import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet, mediaType } from '../lib/http-get.ts';
import { isLoopbackHost } from '../config/validate-value.ts';
import { SidecarError } from '../errors/sidecar-error.ts';

/** The parts of an OIDC discovery document the sidecar uses. */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly userinfoEndpoint: string | undefined;
  readonly introspectionEndpoint: string | undefined;
  /** Where outbound tokens come from (src/tokens/): client credentials and token exchange. */
  readonly tokenEndpoint: string | undefined;
}

const MAX_DISCOVERY_BYTES = 1024 * 1024;

/**
 * Fetches `<issuer>/.well-known/openid-configuration` once. The document's `issuer` must equal
 * the configured one exactly (OIDC Discovery §4.3), and every endpoint must be https or loopback.
 */
export async function discoverIssuer(issuer: string, timeoutMs: number): Promise<IssuerMetadata> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let res;
  try {
    res = await httpGet(url, { timeoutMs, maxBytes: MAX_DISCOVERY_BYTES });
  } catch (err) {
    throw new SidecarError(
      'discovery_error',
      `issuer ${issuer} is not reachable: discovery at ${url} failed: ${(err as Error).message}. ` +
        'Check the issuer URL (for Keycloak it ends in /realms/<realm>) and that the IdP is up and reachable from here',
      { cause: err },
    );
  }
  if (res.status !== 200) {
    throw new SidecarError('discovery_error', `discovery at ${url} answered ${res.status}; is ${issuer} the issuer URL your tokens carry in iss?`);
  }
  if (mediaType(res.contentType) !== 'application/json') {
    throw new SidecarError('discovery_error', `discovery at ${url} answered content-type '${res.contentType}', not JSON`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SidecarError('discovery_error', `discovery at ${url} answered malformed JSON`);
  }
  if (doc === null || typeof doc !== 'object') throw new SidecarError('discovery_error', `discovery at ${url} is not an object`);
  if (doc['issuer'] !== issuer) throw new SidecarError('discovery_error', issuerMismatch(issuer, doc['issuer']));
  return {
    issuer,
    jwksUri: endpoint(doc, 'jwks_uri', true)!,
    userinfoEndpoint: endpoint(doc, 'userinfo_endpoint', false),
    introspectionEndpoint: endpoint(doc, 'introspection_endpoint', false),
    tokenEndpoint: endpoint(doc, 'token_endpoint', false),
  };
}

/**
 * Both issuers, and what to do: tokens carry the discovery document's issuer in `iss`, and OIDC requires the
 * two to be identical, so the configured one must be changed (a trailing slash counts).
 */
function issuerMismatch(configured: string, discovered: unknown): string {
  const found = typeof discovered === 'string' ? `'${discovered}'` : `no string issuer (${JSON.stringify(discovered) ?? 'undefined'})`;
  const slash = typeof discovered === 'string' && discovered.replace(/\/$/, '') === configured.replace(/\/$/, '') ? ' (they differ only by the trailing slash)' : '';
  return (
    `the discovery document names issuer ${found}, but the configured issuer is '${configured}'${slash}. ` +
    "They must be identical: set issuer (AUTHZ_ISSUER) to the discovery document's value, the one your tokens carry in iss"
  );
}

function endpoint(doc: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = doc[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new SidecarError('discovery_error', `discovery document has no valid '${name}'`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SidecarError('discovery_error', `discovery '${name}' is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new SidecarError('discovery_error', `discovery '${name}' must be https (http only on loopback)`);
  }
  return value;
}

export interface RetryOptions {
  readonly timeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly signal?: AbortSignal;
  readonly onRetry?: (attempt: number, delayMs: number, err: SidecarError) => void;
}

/**
 * Retries discovery with exponential backoff and full jitter until it succeeds or `signal`
 * aborts: a sidecar that starts before its IdP must come up once the IdP does.
 */
export async function discoverWithRetry(issuer: string, options: RetryOptions): Promise<IssuerMetadata> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await discoverIssuer(issuer, options.timeoutMs);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const cap = Math.min(options.retryMaxMs, options.retryInitialMs * 2 ** Math.min(attempt - 1, 20));
      const delay = Math.round(cap / 2 + Math.random() * (cap / 2));
      options.onRetry?.(attempt, delay, err as SidecarError);
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
