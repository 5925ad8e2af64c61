import { compileMasks } from '../../src/decision-log/mask-event.ts';
import type { DecisionEventDraft } from '../../src/decision-log/decision-event.ts';
import { createDecisionLogger } from '../../src/decision-log/decision-logger.ts';

/**
 * Writes a decision log of `events` decisions through the real decision logger (masking, hash
 * chain, rotation, checkpoints when a key is given), with a deterministic mix of subjects, paths,
 * outcomes, error codes, claims cache states and two bundle revisions: the second one starts
 * denying editors DELETE on /api/orders/** and reading /api/users/**, the kind of policy change
 * the explorer's revision chart must show. Returns what it wrote, counted as it decided (not read back), for tests to compare with.
 *
 * Used by scripts/generate-decision-log.ts (the scale measurements in docs/audit-explorer.md) and
 * by the explorer's tests.
 */
export interface GenerateOptions {
  readonly out: string;
  readonly events: number;
  readonly seed?: number;
  /** Time of the first decision (default 2026-11-01T00:00:00Z); the rest follow evenly over `spanMs`. */
  readonly start?: string;
  /** Default: seven days. */
  readonly spanMs?: number;
  /** Fraction of the decisions made under the old revision (default 0.6). */
  readonly oldRevisionShare?: number;
  /** Private key for signed checkpoints (decisions.log.checkpoints). */
  readonly checkpointKey?: string;
  /** Rotate at this size (default: never). */
  readonly maxBytes?: number;
  /** Decisions written after the generated ones, as given (and counted). */
  readonly extra?: readonly DecisionEventDraft[];
  /** Called every 100,000 events. */
  readonly progress?: (written: number) => void;
}

export interface GeneratedCounts {
  decisions: number;
  allow: number;
  /** Every decision that did not allow, errors included (as `audit stats` counts). */
  deny: number;
  errors: number;
  errorCodes: Record<string, number>;
  /** revision → [allow, deny (policy), error]. */
  revisions: Record<string, [number, number, number]>;
  deniedSubjects: Record<string, number>;
  /** `METHOD /path` → denies. */
  deniedPaths: Record<string, number>;
  first: string;
  last: string;
}

export const OLD_REVISION = '3f9a1c0b7d2e';
export const NEW_REVISION = '8be41d9a05c6';
const ISSUER = 'https://idp.example.com/realms/corp';
const ERRORS = [
  ['invalid_token', 'token signature does not verify'],
  ['missing_token', 'no bearer token'],
  ['claims_unavailable', 'userinfo did not answer within 2000 ms'],
  ['policy_error', 'policy evaluation failed: conflicting rules'],
] as const;

/** mulberry32: small, fast, and the same numbers on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function generateDecisionLog(options: GenerateOptions): Promise<GeneratedCounts> {
  const rnd = prng(options.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const hex = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += Math.floor(rnd() * 16).toString(16);
    return s;
  };
  const start = Date.parse(options.start ?? '2026-11-01T00:00:00Z');
  const span = options.spanMs ?? 7 * 86_400_000;
  const switchAt = Math.floor(options.events * (options.oldRevisionShare ?? 0.6));
  const logger = createDecisionLogger({
    target: options.out,
    bufferEvents: 50_000,
    ...(options.maxBytes ? { file: { maxBytes: options.maxBytes } } : {}),
    ...(options.checkpointKey ? { checkpoint: { keyFile: options.checkpointKey, file: undefined, everyEvents: 10_000, intervalMs: 3_600_000 } } : {}),
    masking: compileMasks({ erase: [], mask: ['/input/context/ip'], eraseTokens: true }),
    instanceId: '6d1e2f30-0000-4000-8000-000000000001',
  });
  await logger.start();
  const counts: GeneratedCounts = { decisions: 0, allow: 0, deny: 0, errors: 0, errorCodes: {}, revisions: {}, deniedSubjects: {}, deniedPaths: {}, first: '', last: '' };
  const bump = (m: Record<string, number>, k: string): void => {
    m[k] = (m[k] ?? 0) + 1;
  };
  const count = (d: DecisionEventDraft): void => {
    counts.decisions++;
    counts.first ||= d.timestamp;
    counts.last = d.timestamp;
    const rev = Object.values(d.bundles).map((b) => b.revision).join(',') || '(no bundle)';
    const r = (counts.revisions[rev] ??= [0, 0, 0]);
    if (d.error) {
      counts.errors++;
      bump(counts.errorCodes, d.error.code);
      r[2]++;
    } else if (d.result.allow) {
      counts.allow++;
      r[0]++;
      return;
    } else r[1]++;
    counts.deny++;
    bump(counts.deniedSubjects, d.subject?.sub ?? '(no verified subject)');
    if (d.request) bump(counts.deniedPaths, `${d.request.method} ${d.request.path}`);
  };

  for (let i = 0; i < options.events; i++) {
    const d = decision(i >= switchAt ? NEW_REVISION : OLD_REVISION, new Date(start + Math.floor((i * span) / options.events)).toISOString(), rnd, pick, hex);
    count(d);
    logger.log(d);
    if (i % 10_000 === 9_999) await logger.flush();
    if (i % 100_000 === 99_999) options.progress?.(i + 1);
  }
  for (const d of options.extra ?? []) {
    count(d);
    logger.log(d);
  }
  await logger.stop();
  if (logger.stats.dropped > 0) throw new Error(`the logger dropped ${logger.stats.dropped} events`);
  return counts;
}

const USERS = Array.from({ length: 200 }, (_, i) => `user-${String(i + 1).padStart(3, '0')}`);
const ROLES: Record<string, readonly string[]> = { viewer: ['orders-viewer'], editor: ['orders-viewer', 'orders-editor'], admin: ['admin'], outsider: ['contractor'] };

export interface Grant {
  readonly methods: readonly string[];
  readonly path: string;
}

/**
 * The grants of each revision, in the sample policy's data format (rego/authz/data.json), so a
 * bundle built from rego/authz/policy.rego with them decides as the generated decisions say:
 * replaying the log against it changes exactly the decisions of the other revision that differ.
 */
export const GRANTS: Record<string, { role_grants: Record<string, readonly Grant[]>; group_roles: Record<string, readonly string[]> }> = {
  [OLD_REVISION]: {
    role_grants: {
      admin: [{ methods: ['*'], path: '/api/**' }],
      'orders-viewer': [{ methods: ['GET'], path: '/api/orders/**' }, { methods: ['GET'], path: '/api/reports/**' }],
      'orders-editor': [{ methods: ['*'], path: '/api/orders/**' }, { methods: ['GET'], path: '/api/users/**' }],
    },
    group_roles: { admins: ['admin'] },
  },
  [NEW_REVISION]: {
    role_grants: {
      admin: [{ methods: ['*'], path: '/api/**' }],
      'orders-viewer': [{ methods: ['GET'], path: '/api/orders/**' }, { methods: ['GET'], path: '/api/reports/**' }],
      'orders-editor': [{ methods: ['GET', 'POST', 'PUT'], path: '/api/orders/**' }],
    },
    group_roles: { admins: ['admin'] },
  },
};

function decision(revision: string, timestamp: string, rnd: () => number, pick: <T>(xs: readonly T[]) => T, hex: (n: number) => string): DecisionEventDraft {
  // A few subjects make most requests; mallory, with no role the policy knows, probes what she may not.
  const x = rnd();
  const sub = x < 0.02 ? 'mallory' : x < 0.3 ? pick(['alice', 'bob', 'carol']) : USERS[Math.floor(rnd() * rnd() * USERS.length)]!;
  const kind = sub === 'mallory' ? 'outsider' : sub === 'alice' ? 'admin' : sub === 'bob' || sub.endsWith('7') ? 'viewer' : 'editor';
  const y = rnd();
  const method = y < 0.7 ? 'GET' : y < 0.85 ? 'POST' : y < 0.95 ? 'DELETE' : 'PUT';
  const z = rnd();
  const path =
    z < 0.6 ? `/api/orders/${1 + Math.floor(rnd() * 500)}` : z < 0.85 ? `/api/users/${1 + Math.floor(rnd() * 300)}` : z < 0.95 ? pick(['/api/reports/daily', '/api/reports/weekly']) : '/api/admin/settings';
  const base = {
    decision_id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    bundles: { authz: { revision } },
    path: 'authz/decision',
    timestamp,
    request: { method, path },
    ...(rnd() < 0.3 ? { trace_id: hex(32) } : {}),
  };
  const e = rnd();
  if (e < 0.03) {
    const [code, message] = ERRORS[e < 0.015 ? 0 : e < 0.02 ? 1 : e < 0.028 ? 2 : 3];
    const verified = code === 'claims_unavailable' || code === 'policy_error';
    return {
      ...base,
      result: { allow: false },
      metrics: { timer_server_handler_ns: 2_000_000 },
      subject: verified ? { sub, iss: ISSUER } : null,
      claims: verified ? { source: 'userinfo', cache: code === 'policy_error' ? 'hit' : 'miss' } : { source: null, cache: null },
      timings_us: { verify: verified ? 120 : 15, claims: code === 'claims_unavailable' ? 2_000_000 : 0, policy: 0, total: code === 'claims_unavailable' ? 2_000_150 : 140 },
      error: { code, message },
    };
  }
  const roles = ROLES[kind]!;
  const groups = kind === 'admin' ? ['admins'] : [];
  const reasons = decide(GRANTS[revision]!, roles, groups, method, path);
  const c = rnd();
  const cache = c < 0.85 ? 'hit' : c < 0.97 ? 'miss' : 'stale';
  const policyUs = 3 + Math.floor(rnd() * 20);
  const claimsUs = cache === 'miss' ? 8_000 + Math.floor(rnd() * 20_000) : 2;
  return {
    ...base,
    input: {
      subject: { sub, iss: ISSUER, aud: 'orders-api', azp: 'orders-web', scope: 'openid profile', roles, groups },
      request: { method, path, segments: path.split('/').slice(1), query: {} },
      context: { ip: `10.0.${Math.floor(rnd() * 8)}.${Math.floor(rnd() * 250)}` },
    },
    result: reasons,
    metrics: { timer_rego_query_eval_ns: policyUs * 1000, timer_server_handler_ns: (130 + claimsUs + policyUs) * 1000 },
    subject: { sub, iss: ISSUER },
    claims: { source: 'userinfo', cache, ...(cache === 'stale' ? { stale_reason: 'claims_unavailable: userinfo timed out after 2000 ms' } : {}) },
    timings_us: { verify: 110, claims: claimsUs, policy: policyUs, total: 130 + claimsUs + policyUs },
  };
}

/** What rego/authz/policy.rego decides with these grants, reasons included (for well-formed requests). */
function decide(data: (typeof GRANTS)[string], roles: readonly string[], groups: readonly string[], method: string, path: string): { allow: boolean; reasons: string[] } {
  const sources = [...roles.filter((r) => data.role_grants[r]).map((role) => ({ role, via: 'direct' })), ...groups.flatMap((g) => (data.group_roles[g] ?? []).map((role) => ({ role, via: `via group ${g}` })))];
  const allows = new Set<string>();
  for (const { role, via } of sources) {
    for (const g of data.role_grants[role] ?? []) {
      const prefix = g.path.slice(0, -3);
      if ((g.methods.includes('*') || g.methods.includes(method)) && (path === prefix || path.startsWith(`${prefix}/`))) allows.add(`role ${role} (${via}) allows ${g.methods.join(',')} ${g.path}`);
    }
  }
  if (allows.size > 0) return { allow: true, reasons: [...allows].sort() };
  return { allow: false, reasons: [`no grant matches ${method} ${path}`, ...(sources.length === 0 ? ['subject has no role known to this policy'] : [])].sort() };
}
