import type { AuthzenPdp } from '../authzen/create-pdp.ts';
import type { Config } from '../config/config.ts';
import type { ClaimsAdmin } from '../claims/claims-admin.ts';
import type { Authorizer } from '../decision/authorize.ts';
import type { DataQueryRunner } from '../decision/query-data.ts';
import type { ComponentStatus } from '../lib/component.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import type { TokenService } from '../tokens/token-service.ts';

export interface MetricsSource {
  readonly contentType: string;
  scrape(): Promise<string>;
}

/** `GET /health`'s query, as OPA reads it: `?bundles`, `?plugins`, `?exclude-plugin=<name>` (repeatable). */
export interface HealthQuery {
  readonly bundles: boolean;
  readonly plugins: boolean;
  readonly exclude: readonly string[];
}

export type HealthAnswer =
  | { readonly healthy: true }
  | { readonly healthy: false; readonly error: string; readonly plugins?: Readonly<Record<string, ComponentStatus>> };

/** What the probe routes (`/health`, `/ready`, `/metrics`) need; the cluster primary serves them too. */
export interface ProbeApi {
  /** Why `/ready` fails (not ready yet, or shutting down), or undefined. */
  whyNotReady(): string | undefined;
  health(query: HealthQuery): HealthAnswer;
  readonly metrics: MetricsSource;
  readonly log: ProcessLog;
}

/**
 * Everything the HTTP layer calls: one generation of the runtime (src/runtime/generation.ts),
 * read once per request by the listener and then only called down into.
 */
export interface HttpApi extends ProbeApi {
  readonly config: Config;
  readonly authorize: Authorizer;
  readonly queryData: DataQueryRunner;
  readonly claimsAdmin: ClaimsAdmin;
  /** The AuthZEN decision point; its routes are served when `authzen.enabled`. */
  readonly authzen: AuthzenPdp;
  /** Outbound tokens (`POST /v1/tokens/*`); undefined when `tokens.clientId` is unset. */
  readonly tokens: TokenService | undefined;
  /** Why decisions cannot be made yet (no bundle, no discovery), or undefined; draining does not stop decisions. */
  whyCannotDecide(): string | undefined;
  /** `GET /v1/status`'s `result`. */
  status(): Readonly<Record<string, unknown>>;
  /** `GET /v1/status/decision-logs`. */
  decisionLogStatus(): unknown;
}
