import { subjectName } from './idp/subjects.ts';
import type { TargetName } from './targets/target.ts';

/** A named token set; see tokens/token-sets.ts. `count` is set per run (quick runs use fewer). */
export interface SetSpec {
  readonly name: string;
  readonly count: number;
  readonly subjectOf: (i: number) => string;
}

export const HOT_SUBJECTS = 100;
export const hotSet = (): SetSpec => ({ name: 'hot-v1', count: HOT_SUBJECTS, subjectOf: (i) => subjectName(10, `h${i}`) });
export const rolesSet = (roles: number): SetSpec => ({ name: `roles-${roles}-v1`, count: 10, subjectOf: (i) => subjectName(roles, `r${i}`) });
/** Fresh tokens for the hot subjects: every token new, every subject's claims already cached. */
export const coldTokenPool = (count: number): SetSpec => ({ name: 'cold-token-v1', count, subjectOf: (i) => subjectName(10, `h${i % HOT_SUBJECTS}`) });
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
}

export function scenarios(sizes: ScenarioSizes): Scenario[] {
  const all: readonly TargetName[] = ['sidecar', 'opa', 'bare'];
  return [
    { name: 'hot', description: `${HOT_SUBJECTS} subjects (10 roles each), one token each, repeating; claims cached`, targets: all, prime: hotSet(), measure: hotSet() },
    {
      name: 'cold-token',
      description: `a new token on every request for the ${HOT_SUBJECTS} hot subjects; their claims cached`,
      targets: all,
      prime: hotSet(),
      measure: coldTokenPool(sizes.pool),
      consumesTokens: true,
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
    {
      name: 'subjects-100k',
      description: `${sizes.subjects.toLocaleString('en-US')} distinct subjects cached, then load rotating over all of them`,
      targets: ['sidecar', 'opa'] as const,
      prime: hotSet(),
      fill: uniqueSubjectPool(sizes.subjects),
      measure: uniqueSubjectPool(sizes.subjects),
      maxRounds: 1,
    },
  ];
}
