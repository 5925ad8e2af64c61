import { createHash } from 'node:crypto';
import { SidecarError } from '../errors/sidecar-error.ts';
import { OK, statusOf, type Component, type ComponentStatus } from '../lib/component.ts';
import type { IssuerEndpoints } from '../token/issuer-discovery.ts';
import type { TokenVerifier } from '../token/verify-token.ts';
import { createAudienceRate } from './audience-rate.ts';
import { ACCESS_TOKEN_TYPE, requestToken, type IssuedToken } from './request-token.ts';
import { createTokenCache, type CachePlan } from './token-cache.ts';
import type { TokensSettings } from './tokens-settings.ts';

export type Grant = 'client_credentials' | 'token_exchange';

/** Observation points for metrics (src/runtime/services.ts); src/tokens stays free of metrics code. */
export interface TokenHooks {
  /** One answered token request: `ok`, or the error code it ended with. */
  readonly onRequest?: (grant: Grant, outcome: string) => void;
  readonly onCacheHit?: (grant: Grant) => void;
  /** A background refresh of a cached service token began. */
  readonly onRefresh?: (grant: Grant) => void;
  /** A call to the token endpoint failed (`token_refused` or `token_unavailable`). */
  readonly onIdpError?: (grant: Grant, code: string) => void;
  /** A background refresh failed: logged without the token. */
  readonly onRefreshFailed?: (err: unknown) => void;
}

export interface TokenAsk {
  readonly audience: string;
  /** Space-separated scopes, or undefined. */
  readonly scope: string | undefined;
}

/** What `POST /v1/tokens/*` answers (RFC 6749 §5.1's names). */
export interface TokenAnswer {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  /** Whole seconds this token has left, counted now (not the IdP's original lifetime). */
  readonly expires_in: number;
  readonly scope?: string;
  readonly issued_token_type?: string;
}

export interface TokenService extends Component {
  readonly settings: TokensSettings;
  /** A client-credentials token for the service's own call to `audience`. */
  service(ask: TokenAsk): Promise<TokenAnswer>;
  /** The caller's verified `subjectToken` exchanged (RFC 8693) for one whose audience is exactly `audience`. */
  exchange(subjectToken: string, ask: TokenAsk): Promise<TokenAnswer>;
}

export interface TokenServiceOptions {
  readonly settings: TokensSettings;
  readonly issuer: IssuerEndpoints;
  /** The verifier `/authorize` uses (src/decision/identity.ts): a token it refuses is never exchanged. */
  readonly verify: TokenVerifier;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly hooks?: TokenHooks;
}

/** A cached service token is not handed out in its last second: it would expire on its way to the destination. */
const MIN_REMAINING_MS = 1000;

/**
 * The `tokens` component: the service's client credentials, and the tokens they buy, cached per
 * (audience, scope) for client credentials and per (SHA-256 of the subject token, audience, scope)
 * for exchanges. The token endpoint is the discovery document's; until discovery succeeds, asks are
 * `not_ready`.
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const { settings, hooks = {} } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const rate = createAudienceRate(settings.ratePerMinute, now);
  const cache = createTokenCache({
    maxEntries: settings.maxCachedTokens,
    now,
    onRefresh: (_key, outcome, err) => {
      if (outcome === 'started') hooks.onRefresh?.('client_credentials');
      if (outcome === 'failed') hooks.onRefreshFailed?.(err);
    },
  });
  let failing: string | undefined;

  const endpoint = (): string => {
    const meta = options.issuer.metadata;
    if (!meta) throw new SidecarError('not_ready', 'issuer discovery has not succeeded yet');
    if (!meta.tokenEndpoint) throw new SidecarError('token_unavailable', 'the discovery document names no token_endpoint');
    return meta.tokenEndpoint;
  };
  // Only what reaches the IdP is rate-limited (a miss or a refresh; single-flight makes that one call per key):
  // cache hits are free, so a service calling B on every request is not throttled by its own traffic.
  const fetchToken = (grant: Grant, params: Record<string, string>, audience: string): (() => Promise<IssuedToken>) => async () => {
    rate.take(audience);
    try {
      const rule = grant === 'token_exchange' ? 'exactly' : 'includes';
      const token = await requestToken({ endpoint: endpoint(), credentials: settings.credentials, params, timeoutMs: settings.timeoutMs, audience: { value: audience, rule }, now });
      failing = undefined;
      return token;
    } catch (err) {
      const code = err instanceof SidecarError ? err.code : 'token_unavailable';
      if (code === 'token_unavailable') failing = (err as Error).message;
      if (code === 'token_refused' || code === 'token_unavailable') hooks.onIdpError?.(grant, code);
      throw err;
    }
  };
  const answer = (token: IssuedToken): TokenAnswer => ({
    access_token: token.accessToken,
    token_type: 'Bearer',
    expires_in: Math.max(0, Math.floor((token.expiresAt - now()) / 1000)),
    ...(token.scope !== undefined ? { scope: token.scope } : {}),
    ...(token.issuedTokenType !== undefined ? { issued_token_type: token.issuedTokenType } : {}),
  });
  const counted = async (grant: Grant, work: () => Promise<TokenAnswer>): Promise<TokenAnswer> => {
    try {
      const a = await work();
      hooks.onRequest?.(grant, 'ok');
      return a;
    } catch (err) {
      hooks.onRequest?.(grant, err instanceof SidecarError ? err.code : 'internal_error');
      throw err;
    }
  };
  // The refresh starts margin (+ jitter) before the token stops being handed out, and never later than halfway
  // through that time, so a short-lived token still has a window in which the old one is served while the new one comes.
  const servicePlan = (t: IssuedToken): CachePlan => {
    const usableUntil = t.expiresAt - MIN_REMAINING_MS;
    const lead = Math.min(settings.refreshMarginMs + random() * settings.refreshJitterMs, (usableUntil - now()) / 2);
    return { refreshAt: usableUntil - lead, usableUntil };
  };

  return {
    name: 'tokens',
    settings,
    service: (ask) =>
      counted('client_credentials', async () => {
        const scope = normalScope(ask.scope);
        const params = { grant_type: 'client_credentials', audience: ask.audience, ...(scope ? { scope } : {}) };
        const got = await cache.get(`cc\0${ask.audience}\0${scope}`, fetchToken('client_credentials', params, ask.audience), servicePlan);
        if (got.outcome === 'hit') hooks.onCacheHit?.('client_credentials');
        return answer(got.token);
      }),
    exchange: (subjectToken, ask) =>
      counted('token_exchange', async () => {
        if (!settings.exchange) throw new SidecarError('not_found', 'token exchange is off (tokens.exchange)');
        const verified = await options.verify(subjectToken);
        const scope = normalScope(ask.scope);
        const params = {
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: subjectToken,
          subject_token_type: ACCESS_TOKEN_TYPE,
          requested_token_type: ACCESS_TOKEN_TYPE,
          audience: ask.audience,
          ...(scope ? { scope } : {}),
        };
        const digest = createHash('sha256').update(subjectToken).digest('base64url');
        // Reused until exp minus the margin, and never past the subject token's own exp: a logged-out user's token stops buying tokens.
        const plan = (t: IssuedToken): CachePlan => ({ refreshAt: Infinity, usableUntil: Math.min(t.expiresAt - settings.refreshMarginMs, verified.payload.exp * 1000) });
        const got = await cache.get(`tx\0${digest}\0${ask.audience}\0${scope}`, fetchToken('token_exchange', params, ask.audience), plan);
        if (got.outcome === 'hit') hooks.onCacheHit?.('token_exchange');
        return answer(got.token);
      }),
    async start() {},
    async stop() {
      cache.clear();
    },
    status(): Record<string, ComponentStatus> {
      const meta = options.issuer.metadata;
      if (!meta) return { tokens: statusOf('NOT_READY', 'issuer discovery has not succeeded yet') };
      if (!meta.tokenEndpoint) return { tokens: statusOf('ERROR', 'the discovery document names no token_endpoint: no token can be issued') };
      return { tokens: failing ? statusOf('WARN', `the last token request failed: ${failing}`) : OK };
    },
  };
}

/** Scopes sorted and deduplicated, so `b a` and `a b` share one cache entry. */
function normalScope(scope: string | undefined): string {
  return scope === undefined ? '' : [...new Set(scope.split(' ').filter(Boolean))].sort().join(' ');
}
