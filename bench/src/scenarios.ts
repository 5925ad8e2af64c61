import { subjectName } from './idp/subjects.ts';
import type { TargetName } from './targets/target.ts';

/** A named token set; see tokens/token-sets.ts. `count` is set per run (quick runs use fewer). */
export interface SetSpec {
  readonly name: string;
  readonly count: number;
  readonly subjectOf: (i: number) => string;
  /** Use every `stride`-th token of the set's first `count` (a sample spread over all of them). */
  readonly stride?: number;
}

export const HOT_SUBJECTS = 100;
export const hotSet = (): SetSpec => ({ name: 'hot-v1', count: HOT_SUBJECTS, subjectOf: (i) => subjectName(10, `h${i}`) });
export const rolesSet = (roles: number): SetSpec => ({ name: `roles-${roles}-v1`, count: 10, subjectOf: (i) => subjectName(roles, `r${i}`) });
/** Fresh tokens for the hot subjects: every token new, every subject's claims already cached. */
export const coldTokenPool = (count: number): SetSpec => ({ name: 'cold-token-v1', count, subjectOf: (i) => subjectName(10, `h${i % HOT_SUBJECTS}`) });
/** The many-subjects scenario's own set (signed once, cached on disk by tokens/token-sets.ts). */
export const manySubjectPool = (count: number): SetSpec => ({ name: 'many-subjects-v1', count, subjectOf: (i) => subjectName(10, `m${i}`) });
/** One token per new subject: userinfo on each request. */
export const uniqueSubjectPool = (count: number): SetSpec => ({ name: 'unique-subjects-v1', count, subjectOf: (i) => subjectName(10, `f${i}`) });

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly targets: readonly TargetName[];
  /** Tokens whose claims are fetched before measuring (and whose decisions are checked), and that warm up the JIT. */
  readonly prime: SetSpec;
  /** Tokens the measured load rotates over. */
  readonly measure: SetSpec;
  /** Fill the caches with this many distinct subjects before measuring (the memory scenario). */
  readonly fill?: SetSpec;
  /** Measurements consume tokens: shorter runs keep the pools small enough to sign. */
  readonly consumesTokens?: boolean;
  /** Rounds for this scenario when fewer than the run's (filling 100,000 subjects is slow). */
  readonly maxRounds?: number;
  /**
   * Keys added to the sidecar's configuration file: only cache sizing, and the scenario's name must say so
   * (every other scenario runs the sidecar in its default configuration).
   */
  readonly sidecarConfig?: Record<string, unknown>;
  /**
   * AUTHZ_WORKERS for the `sidecar` target (cluster mode), the only change from its default
   * configuration; the scenario's `sidecar-1-worker` target is the same sidecar in one process.
   */
  readonly sidecarWorkers?: number;
  /**
   * Cores given to a target, the last ones of the machine (src/lib/pinning.ts lastCores); unlisted
   * targets get one core of their own, the last. On a machine with that many cores the target
   * shares the load generator's core, and the report says so.
   */
  readonly cores?: Partial<Record<TargetName, number>>;
  /** Also measure the CPU time per decision at a fixed rate (FIXED_RATE req/s): the number a CPU limit is sized with. */
  readonly fixedRate?: boolean;
  /** Read the sidecar's event-loop delay (p99, max) over the measured run (from its /metrics). */
  readonly loopDelay?: boolean;
  /** AuthZEN instead of /authorize: evaluations per request (1: `/access/v1/evaluation`, more: `/access/v1/evaluations`). */
  readonly authzen?: number;
  /**
   * `grpc`: the sidecar is asked over Envoy's ext_authz gRPC Check (extAuthz.grpc.listen), and the load of
   * every target comes from tools/extauthz (Go), so both sides have the same generator.
   */
  readonly wire?: 'grpc';
}

export interface ScenarioSizes {
  readonly pool: number;
  readonly subjects: number;
  /** Subjects of the many-subjects scenario (1,000,000 in a full run). */
  readonly manySubjects: number;
}

/** Requests per second of the fixed-rate CPU measurement. */
export const FIXED_RATE = 1000;

/** `1000000` → `1m`, `110000` → `110k`: scenario names carry their sizes. */
export const short = (n: number): string => (n >= 1e6 ? `${+(n / 1e6).toFixed(1)}m` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)}k` : String(n));

/** Cache sizing for `n` subjects plus the hot ones: the defaults (100,000 entries, 256 MiB of claims) hold fewer. */
const cachesFor = (n: number): { entries: number; config: Record<string, unknown> } => {
  const entries = Math.ceil((n * 1.1) / 1000) * 1000;
  return { entries, config: { token: { cacheMaxEntries: entries }, claims: { cacheMaxEntries: entries, cacheMaxBytes: Math.max(268435456, entries * 2048) } } };
};

export function scenarios(sizes: ScenarioSizes): Scenario[] {
  const all: readonly TargetName[] = ['sidecar', 'opa', 'bare'];
  return [
    { name: 'hot', description: `${HOT_SUBJECTS} subjects (10 roles each), one token each, repeating; claims cached`, targets: all, prime: hotSet(), measure: hotSet(), fixedRate: true, loopDelay: true },
    {
      // Issue 14: with workers 2 on 2 cores, throughput at least 1.8× one worker. One worker on one core
      // runs beside it in the same rounds (the hot row's sidecar), and stock OPA with the same two cores.
      name: 'hot-workers-2',
      description:
        `the hot load (${HOT_SUBJECTS} subjects, one token each, repeating; claims cached) against the sidecar with AUTHZ_WORKERS=2 on the last 2 cores ` +
        '(on a 2-core machine both, one shared with the load generator), beside the same sidecar in one process on one core and stock OPA on the same 2 cores (GOMAXPROCS 2)',
      targets: ['sidecar', 'sidecar-1-worker', 'opa'] as const,
      prime: hotSet(),
      measure: hotSet(),
      fixedRate: true,
      sidecarWorkers: 2,
      cores: { sidecar: 2, opa: 2 },
    },
    {
      name: 'cold-token',
      description: `a new token on every request for the ${HOT_SUBJECTS} hot subjects; their claims cached`,
      targets: all,
      prime: hotSet(),
      measure: coldTokenPool(sizes.pool),
      consumesTokens: true,
      fixedRate: true,
    },
    {
      name: 'cold-claims',
      description: 'a new subject on every request: userinfo (2 ms) on each',
      targets: all,
      prime: hotSet(),
      measure: uniqueSubjectPool(sizes.pool),
      consumesTokens: true,
    },
    ...[10, 1000, 30000].map((roles) => ({
      name: `roles-${roles}`,
      description: `10 subjects with ${roles.toLocaleString('en-US')} roles each (one known to the policy), repeating; claims cached`,
      targets: all,
      prime: rolesSet(roles),
      measure: rolesSet(roles),
    })),
    ...[1, 10].map((n) => ({
      name: n === 1 ? 'authzen-single' : `authzen-batch-${n}`,
      description:
        n === 1
          ? `AuthZEN: one POST /access/v1/evaluation per request for the ${HOT_SUBJECTS} hot subjects, each with its own token; claims cached`
          : `AuthZEN: POST /access/v1/evaluations with ${n} evaluations per request (one subject, its own token); req/s × ${n} = evaluations/s`,
      targets: ['sidecar', 'opa'] as const,
      prime: hotSet(),
      measure: hotSet(),
      authzen: n,
    })),
    {
      name: 'ext-authz-grpc',
      description: `Envoy's ext_authz gRPC Check (the peer: OPA's Data API, opa-envoy-plugin not being served by the Go module proxy), ${HOT_SUBJECTS} hot subjects; load from tools/extauthz for both`,
      targets: ['sidecar', 'opa'] as const,
      prime: hotSet(),
      measure: hotSet(),
      wire: 'grpc' as const,
    },
    (() => {
      const c = cachesFor(sizes.subjects);
      return {
        name: `subjects-${short(sizes.subjects)}-caches-${short(c.entries)}`,
        description: `${sizes.subjects.toLocaleString('en-US')} distinct subjects cached, then load rotating over all of them; token and claims caches sized to ${c.entries.toLocaleString('en-US')} entries (default 100,000)`,
        targets: ['sidecar', 'opa'] as const,
        prime: hotSet(),
        fill: uniqueSubjectPool(sizes.subjects),
        measure: uniqueSubjectPool(sizes.subjects),
        maxRounds: 1,
        sidecarConfig: c.config,
        loopDelay: true,
      };
    })(),
    (() => {
      // Stock OPA is left out: it held 1.8 GB per 100,000 subjects (bench/README.md), 18 GB here.
      const c = cachesFor(sizes.manySubjects);
      const stride = Math.max(1, Math.floor(sizes.manySubjects / 200_000));
      return {
        name: `subjects-${short(sizes.manySubjects)}-caches-${short(c.entries)}`,
        description:
          `${sizes.manySubjects.toLocaleString('en-US')} distinct subjects (10 roles each) cached, then load rotating over a sample spread over all of them (every ${stride}${stride === 1 ? 'st' : 'th'}); ` +
          `token and claims caches sized to ${c.entries.toLocaleString('en-US')} entries (default 100,000), TTLs default (a token verified over 600 s ago, or before a key left the JWKS, is verified again)`,
        targets: ['sidecar'] as const,
        prime: hotSet(),
        fill: manySubjectPool(sizes.manySubjects),
        measure: { ...manySubjectPool(sizes.manySubjects), stride },
        maxRounds: 1,
        sidecarConfig: c.config,
        fixedRate: true,
        loopDelay: true,
      };
    })(),
  ];
}
