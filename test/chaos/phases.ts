import type { BundleServer } from '../helpers/bundle-server.ts';
import type { TestRedis } from '../helpers/redis-server.ts';
import type { DemoIdp } from '../../src/demo/demo-idp.ts';
import type { Collector } from './collector.ts';
import type { FaultProxy } from './fault-proxy.ts';
import type { SidecarProcess } from './sidecar-process.ts';
import { newSigningKey, type Minter } from './tokens.ts';

/** What a phase can act on. */
export interface ChaosParts {
  readonly idp: DemoIdp;
  /** The shared claims tier's redis-server (`claims.shared.url`). */
  readonly redis: TestRedis;
  readonly proxy: FaultProxy;
  readonly collector: Collector;
  readonly bundles: BundleServer;
  /** The bundle revisions built for the run: same policy and decisions, different revision. */
  readonly revisions: readonly Buffer[];
  readonly sidecar: SidecarProcess;
  readonly minter: Minter;
  /** The sidecar config for a variant: `base`, `reloaded` (a reloadable key changed) or `invalid`. */
  config(variant: 'base' | 'reloaded' | 'invalid'): Record<string, unknown>;
  note(event: string, detail?: Record<string, unknown>): void;
}

export interface PhaseSpec {
  readonly name: string;
  /**
   * Answers this fault may cause, besides the right decision, while it is in force and for `graceMs`
   * after (the circuit's cool-off, the negative cache, the JWKS cooldown): each a documented fail-closed
   * case (docs/http-api.md). `no answer` is a refused or reset connection.
   */
  readonly tolerated: readonly string[];
  readonly graceMs: number;
  /** Alerts (deploy/prometheus/authz-sidecar-rules.yml) this fault must raise. */
  readonly alerts: readonly string[];
  begin(parts: ChaosParts): Promise<void> | void;
  /**
   * Called just before `end`, while the fault is still in force: what the sidecar must show besides its
   * answers and alerts (a status). Returns the problems found; each fails the run.
   */
  check?(parts: ChaosParts): Promise<string[]>;
  end(parts: ChaosParts): Promise<void> | void;
}

let served = 0;

/**
 * How long an IdP fault's refusals may outlast it: a userinfo call sent just before the fault ended fails
 * up to 3 s later (claims.userinfo connect 1 s + headers 2 s), opens the circuit, which stays open
 * claims.breaker.coolOffMs (5 s) before its probe; 2 s of margin for a loaded machine.
 */
const IDP_GRACE_MS = 10_000;

/**
 * Redis trouble never changes a decision (docs/fleet.md): a failed, slow or skipped shared-tier call is a
 * miss, and the local tier and the IdP answer. So a Redis fault tolerates nothing, and must show as the
 * `claims_shared` component's WARN (asked of a worker through `GET /v1/status`; the one that answers) and
 * as failures in authz_claims_shared_total (what AuthzClaimsSharedDegraded reads).
 */
async function sharedTierDegraded(p: ChaosParts): Promise<string[]> {
  const status = (await fetch(`${p.sidecar.url}/v1/status`).then((r) => r.json(), () => undefined)) as
    | { result?: { plugins?: Record<string, { state: string; message?: string }>; claims_shared?: unknown } }
    | undefined;
  const shared = status?.result?.plugins?.['claims_shared'];
  p.note('claims_shared status', { ...(shared ?? { state: 'unreadable' }), section: status?.result?.claims_shared });
  return shared?.state === 'WARN' ? [] : [`claims_shared was ${shared ? `${shared.state} (${shared.message ?? ''})` : 'not in /v1/status'}, not WARN, while Redis was down or paused`];
}

/**
 * The fault list. Each fault is its own phase, run between healthy phases, in an order and with
 * durations drawn from the seed.
 */
export const FAULTS: readonly PhaseSpec[] = [
  {
    name: 'idp_slow',
    tolerated: ['503 claims_unavailable', '503 keys_unavailable'],
    graceMs: IDP_GRACE_MS,
    alerts: ['AuthzIdpUnavailable'],
    begin: (p) => p.proxy.set({ mode: 'slow', delayMs: 3000 }),
    end: (p) => p.proxy.set({ mode: 'pass' }),
  },
  {
    name: 'idp_500',
    tolerated: ['503 claims_unavailable', '503 keys_unavailable'],
    graceMs: IDP_GRACE_MS,
    alerts: ['AuthzIdpUnavailable', 'AuthzUserinfoCircuitOpen'],
    begin: (p) => p.proxy.set({ mode: 'error', status: 500 }),
    end: (p) => p.proxy.set({ mode: 'pass' }),
  },
  {
    name: 'idp_down',
    tolerated: ['503 claims_unavailable', '503 keys_unavailable'],
    graceMs: IDP_GRACE_MS,
    alerts: ['AuthzIdpUnavailable', 'AuthzUserinfoCircuitOpen'],
    begin: (p) => p.proxy.set({ mode: 'down' }),
    end: (p) => p.proxy.set({ mode: 'pass' }),
  },
  {
    name: 'idp_other_sub',
    tolerated: ['401 subject_mismatch', '503 claims_unavailable'],
    // claims.negativeTtlSeconds (10 s): the refusal is remembered for that token.
    graceMs: 12_000,
    alerts: ['AuthzIdpAnswersForAnotherSubject'],
    // The answer names an admin: a sidecar that trusted it would allow what the oracle denies.
    begin: (p) => p.proxy.set({ mode: 'other_sub', answer: { sub: 'chaos-0000', roles: ['admin'], groups: ['/admins'] } }),
    end: (p) => p.proxy.set({ mode: 'pass' }),
  },
  {
    name: 'idp_key_rotation',
    // A token signed with the new key before the sidecar refetched the JWKS (jwks.cooldownMs, 30 s).
    tolerated: ['401 invalid_token', '503 keys_unavailable'],
    graceMs: 35_000,
    alerts: [],
    async begin(p) {
      const key = await newSigningKey(`chaos-${Date.now()}`);
      await p.idp.server.issuer.keys.add(key.jwk);
      p.minter.current = key;
      p.note('signing key rotated', { kid: key.kid });
    },
    end: () => undefined,
  },
  {
    name: 'redis_killed',
    tolerated: [],
    graceMs: 0,
    alerts: ['AuthzClaimsSharedDegraded'],
    begin: (p) => p.redis.kill(),
    check: sharedTierDegraded,
    // A new, empty server on the same port: the tier refills from the IdP.
    end: (p) => p.redis.restart(),
  },
  {
    name: 'redis_paused',
    tolerated: [],
    graceMs: 0,
    alerts: ['AuthzClaimsSharedDegraded'],
    begin: (p) => p.redis.pause(),
    check: sharedTierDegraded,
    end: (p) => p.redis.resume(),
  },
  {
    name: 'bundle_down',
    tolerated: [],
    graceMs: 0,
    // A download failure refuses no bundle: AuthzBundleLoadFailing stays quiet, AuthzBundleDownloadFailing fires.
    alerts: ['AuthzBundleDownloadFailing'],
    begin: (p) => p.bundles.fail(503),
    end: (p) => p.bundles.fail(undefined),
  },
  {
    name: 'bundle_corrupt',
    tolerated: [],
    graceMs: 0,
    alerts: ['AuthzBundleLoadFailing'],
    begin: (p) => p.bundles.serve(Buffer.from('this is not a bundle')),
    end: (p) => p.bundles.serve(p.revisions[served % p.revisions.length]!),
  },
  {
    name: 'bundle_new_revision',
    tolerated: [],
    graceMs: 0,
    alerts: [],
    begin: (p) => p.bundles.serve(p.revisions[++served % p.revisions.length]!),
    end: () => undefined,
  },
  {
    name: 'collector_down',
    tolerated: [],
    graceMs: 0,
    alerts: [],
    begin: (p) => p.collector.set({ mode: 'down' }),
    end: (p) => p.collector.set({ mode: 'ok' }),
  },
  {
    name: 'collector_slow',
    tolerated: [],
    graceMs: 0,
    alerts: [],
    begin: (p) => p.collector.set({ mode: 'slow', delayMs: 3000 }),
    end: (p) => p.collector.set({ mode: 'ok' }),
  },
  {
    name: 'sighup_good',
    tolerated: [],
    graceMs: 0,
    alerts: [],
    begin(p) {
      p.sidecar.writeConfig(p.config('reloaded'));
      p.sidecar.hup();
    },
    end(p) {
      p.sidecar.writeConfig(p.config('base'));
      p.sidecar.hup();
    },
  },
  {
    name: 'sighup_bad',
    tolerated: [],
    graceMs: 0,
    alerts: ['AuthzConfigReloadFailed'],
    begin(p) {
      p.sidecar.writeConfig(p.config('invalid'));
      p.sidecar.hup();
    },
    end: (p) => p.sidecar.writeConfig(p.config('base')),
  },
  {
    name: 'worker_kill',
    // Requests in flight on the killed worker are cut; the primary forks a new one after 1 s.
    tolerated: ['no answer', '503 not_ready'],
    // The new worker starts after 1 s, then discovers the issuer and downloads the bundle.
    graceMs: 8000,
    alerts: [],
    begin(p) {
      p.note('worker killed', { pid: p.sidecar.killWorker() });
    },
    end: () => undefined,
  },
  {
    name: 'restart_sigterm',
    tolerated: ['no answer', '503 not_ready'],
    graceMs: 2000,
    // A restart of about a second falls between two scrapes: `up` never sees it (AuthzSidecarDown is for a
    // sidecar that stays down).
    alerts: [],
    async begin(p) {
      const code = await p.sidecar.stop();
      p.note('sidecar stopped (SIGTERM)', { exit: code });
      await p.sidecar.start();
      p.note('sidecar started again', { pid: p.sidecar.pid });
    },
    end: () => undefined,
  },
];

export const HEALTHY: PhaseSpec = { name: 'healthy', tolerated: [], graceMs: 0, alerts: [], begin: () => undefined, end: () => undefined };
