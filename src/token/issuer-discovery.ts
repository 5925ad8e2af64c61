import { OK, statusOf, type Component } from '../lib/component.ts';
import type { SidecarError } from '../errors/sidecar-error.ts';
import { discoverWithRetry, type IssuerMetadata } from './discover-issuer.ts';

export interface IssuerDiscoveryOptions {
  readonly issuer: string;
  readonly timeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly onRetry?: (attempt: number, delayMs: number, err: SidecarError) => void;
  readonly onDiscovered?: (meta: IssuerMetadata) => void;
}

/** What the components that need the issuer's endpoints depend on. */
export interface IssuerEndpoints {
  /** The discovery document's endpoints, once discovery has succeeded. */
  readonly metadata: IssuerMetadata | undefined;
  /** Calls back once the issuer is discovered (at once when it already is). */
  onDiscovered(listener: (meta: IssuerMetadata) => void): void;
}

export interface IssuerDiscovery extends Component, IssuerEndpoints {}

/**
 * The `discovery` component: fetches the issuer's OIDC discovery document at start and retries
 * (exponential backoff with jitter) until it succeeds, so a sidecar that starts before its IdP
 * comes up once the IdP does. The issuer cannot change without a restart, so one discovery
 * serves every configuration a reload brings.
 */
export function createIssuerDiscovery(options: IssuerDiscoveryOptions): IssuerDiscovery {
  const abort = new AbortController();
  const listeners: ((meta: IssuerMetadata) => void)[] = [];
  let metadata: IssuerMetadata | undefined;
  let lastError: string | undefined;
  let started = false;
  return {
    name: 'issuer discovery',
    get metadata() {
      return metadata;
    },
    onDiscovered(listener) {
      if (metadata) listener(metadata);
      else listeners.push(listener);
    },
    async start() {
      if (started) return;
      started = true;
      void discoverWithRetry(options.issuer, {
        ...options,
        signal: abort.signal,
        onRetry: (attempt, delayMs, err) => {
          lastError = err.message;
          options.onRetry?.(attempt, delayMs, err);
        },
      }).then(
        (found) => {
          metadata = found;
          options.onDiscovered?.(found);
          for (const listener of listeners.splice(0)) listener(found);
        },
        () => undefined, // aborted by stop()
      );
    },
    async stop() {
      abort.abort();
    },
    status: () => ({
      discovery: metadata ? OK : statusOf('NOT_READY', `issuer discovery has not succeeded yet (${options.issuer})${lastError ? `: ${lastError}` : ''}`),
    }),
  };
}
