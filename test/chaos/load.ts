import { Agent, fetch } from 'undici';
import { judge, policyAllows, type Outcome, type PolicyData, type Subject, type TokenKind, type Verdict } from './oracle.ts';
import type { Minter } from './tokens.ts';
import type { Rng } from './rng.ts';

/** The request mix: mostly valid tokens, and every kind of bad one. */
const KINDS: readonly [TokenKind, number][] = [
  ['valid', 0.72],
  ['expired', 0.1],
  ['forged', 0.1],
  ['malformed', 0.06],
  ['none', 0.02],
];
/** Allowed and denied paths for the sample policy's roles. */
const ROUTES: readonly [string, string][] = [
  ['GET', '/api/orders/{n}'],
  ['GET', '/api/orders'],
  ['DELETE', '/api/orders/{n}'],
  ['POST', '/api/orders'],
  ['GET', '/api/users/{n}'],
  ['GET', '/other/{n}'],
];

export interface PhaseStats {
  requests: number;
  verdicts: Record<Verdict, number>;
  /** `verdict cause` -> count, for every answer that was not `ok`. */
  causes: Map<string, number>;
  latenciesMs: number[];
}

export interface LoadStats {
  readonly byPhase: Map<string, PhaseStats>;
  /** Decision ids the sidecar answered with (200s and error answers that reached the pipeline), and when (ms). */
  readonly answered: Map<string, number>;
  skipped: number;
  /** The first few wrong allows, to show in the report. */
  readonly wrongAllows: string[];
}

export interface LoadOptions {
  readonly url: string;
  readonly ratePerSecond: number;
  readonly subjects: readonly Subject[];
  readonly data: PolicyData;
  readonly minter: Minter;
  readonly rng: Rng;
  /** The phase in force now, for the statistics. */
  phase(): string;
  /** Codes tolerated for a request sent at `sentAt` and answered at `answeredAt` (faults in force, or just ended). */
  tolerated(sentAt: number, answeredAt: number): ReadonlySet<string>;
  readonly maxInFlight?: number;
}

export interface Load {
  readonly stats: LoadStats;
  /** Stops sending and waits for the answers in flight. */
  stop(): Promise<void>;
}

/** Open-loop load at a steady rate (requests are sent on schedule, not after the previous answer). */
export function startLoad(o: LoadOptions): Load {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 4000 });
  const stats: LoadStats = { byPhase: new Map(), answered: new Map(), skipped: 0, wrongAllows: [] };
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const maxInFlight = o.maxInFlight ?? 256;
  const phaseStats = (name: string): PhaseStats => {
    let s = stats.byPhase.get(name);
    if (!s) {
      s = { requests: 0, verdicts: { ok: 0, wrong_allow: 0, bad_token_decided: 0, tolerated_deny: 0, unexpected_deny: 0 }, causes: new Map(), latenciesMs: [] };
      stats.byPhase.set(name, s);
    }
    return s;
  };
  const one = async (): Promise<void> => {
    const subject = o.rng.pick(o.subjects);
    let r = o.rng.next();
    let kind: TokenKind = 'valid';
    for (const [k, w] of KINDS) {
      if ((r -= w) < 0) {
        kind = k;
        break;
      }
    }
    const [method, template] = o.rng.pick(ROUTES);
    const path = template.replace('{n}', String(o.rng.int(1000)));
    const token = await o.minter.token(kind, subject, o.rng);
    const phase = o.phase();
    const sentAt = Date.now();
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      const res = await fetch(`${o.url}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(kind === 'none' ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ method, path }),
        dispatcher: agent,
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as { allow?: boolean; code?: string; decision_id?: string };
      const id = res.headers.get('x-authz-decision-id') ?? body.decision_id;
      if (id) stats.answered.set(id, Date.now());
      outcome = res.status === 200 && typeof body.allow === 'boolean' ? { kind: body.allow ? 'allow' : 'deny' } : { kind: 'refusal', status: res.status, code: body.code ?? '?' };
    } catch (err) {
      outcome = { kind: 'no_answer', error: (err as Error).message };
    }
    const ms = performance.now() - t0;
    const policyAllow = kind === 'valid' && policyAllows(o.data, subject, method, path);
    const { verdict, cause } = judge({ token: kind, policyAllow, tolerated: o.tolerated(sentAt, Date.now()) }, outcome);
    const s = phaseStats(phase);
    s.requests++;
    s.verdicts[verdict]++;
    if (outcome.kind !== 'no_answer') s.latenciesMs.push(ms);
    if (verdict !== 'ok') s.causes.set(`${verdict} ${cause}`, (s.causes.get(`${verdict} ${cause}`) ?? 0) + 1);
    if (verdict === 'wrong_allow' && stats.wrongAllows.length < 20) stats.wrongAllows.push(`${phase}: ${kind} token of ${subject.sub} (${[...subject.roles, ...subject.groups].join(',') || 'no roles'}) ${method} ${path}`);
  };
  const perTick = o.ratePerSecond / 100;
  let credit = 0;
  const timer = setInterval(() => {
    credit += perTick;
    while (credit >= 1) {
      credit--;
      if (inFlight >= maxInFlight) {
        stats.skipped++;
        continue;
      }
      inFlight++;
      const p = one().finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
  }, 10);
  return {
    stats,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
      await agent.close();
    },
  };
}
