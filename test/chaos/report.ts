import type { PhaseStats } from './load.ts';
import type { SinkAccount } from './accounting.ts';

export interface ChaosReport {
  readonly seed: number;
  readonly durationMs: number;
  readonly ratePerSecond: number;
  readonly phases: readonly { name: string; occurrences: number; stats: PhaseStats; alertsExpected: readonly string[]; alertsFired: readonly string[] }[];
  readonly unexpectedByCause: ReadonlyMap<string, number>;
  readonly toleratedByCause: ReadonlyMap<string, number>;
  readonly file: SinkAccount;
  readonly collector: SinkAccount;
  readonly droppedCounted: Readonly<Record<string, number>>;
  readonly chain: { readonly ok: boolean; readonly files: number; readonly summary: string };
  readonly peakRssBytes: number;
  readonly rssCurveMiB: readonly number[];
  readonly fdRange: readonly [number, number];
  readonly healthyAlerts: readonly string[];
  readonly prometheus: string;
  readonly notes: readonly string[];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (v: number): string => (Number.isNaN(v) ? '–' : v < 10 ? v.toFixed(1) : String(Math.round(v)));

/** The run's table as Markdown: per phase, then the totals the issue asks for. */
export function formatReport(r: ChaosReport): string {
  const total = { requests: 0, wrong: 0, bad: 0, tolerated: 0, unexpected: 0 };
  const rows = r.phases.map(({ name, occurrences, stats: s, alertsExpected, alertsFired }) => {
    total.requests += s.requests;
    total.wrong += s.verdicts.wrong_allow;
    total.bad += s.verdicts.bad_token_decided;
    total.tolerated += s.verdicts.tolerated_deny;
    total.unexpected += s.verdicts.unexpected_deny;
    const missing = alertsExpected.filter((a) => !alertsFired.includes(a));
    const alerts = `${alertsFired.join(', ') || '–'}${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`;
    return `| ${name}${occurrences > 1 ? ` ×${occurrences}` : ''} | ${s.requests} | ${s.verdicts.wrong_allow} | ${s.verdicts.unexpected_deny} | ${s.verdicts.tolerated_deny} | ${ms(percentile(s.latenciesMs, 50))} | ${ms(percentile(s.latenciesMs, 99))} | ${alerts} |`;
  });
  const causes = (m: ReadonlyMap<string, number>): string =>
    [...m].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}: ${n}`).join('; ') || 'none';
  const lost = (a: SinkAccount): string =>
    `${a.once} exactly once, **${a.missing} missing**, ${a.duplicated} duplicated, ${a.lostWithKilledWorker} lost with a SIGKILLed worker (answered < 5 s before the kill), ${a.unanswered} recorded but never answered (cut)`;
  return [
    `Chaos run: seed ${r.seed}, ${Math.round(r.durationMs / 1000)} s, ${r.ratePerSecond} req/s offered`,
    '',
    '| Phase | Requests | Wrong allows | Unexpected denies | Fail-closed (documented) | p50 ms | p99 ms | Alerts fired |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    `| **total** | ${total.requests} | **${total.wrong}** | ${total.unexpected} | ${total.tolerated} | | | |`,
    '',
    `- Wrong allows: **${total.wrong}**; bad tokens that reached the policy: ${total.bad}`,
    `- Unexpected denies by cause: ${causes(r.unexpectedByCause)}`,
    `- Documented fail-closed answers by cause: ${causes(r.toleratedByCause)}`,
    `- Decision log file: ${lost(r.file)}`,
    `- Collector (HTTP upload): ${lost(r.collector)}`,
    `- Dropped and counted (authz_decision_log_dropped_total): ${Object.entries(r.droppedCounted).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `- Hash chain (audit verify, ${r.chain.files} files): ${r.chain.ok ? 'verifies' : 'BROKEN'}`,
    `- Peak RSS (primary + workers): ${(r.peakRssBytes / 1048576).toFixed(0)} MiB; RSS curve (MiB, 10 points): ${r.rssCurveMiB.join(' ')}; open fds ${r.fdRange[0]}–${r.fdRange[1]}`,
    `- Alerts in healthy phases (after the settle time): ${r.healthyAlerts.join(', ') || 'none'}`,
    `- Prometheus: ${r.prometheus}`,
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}
