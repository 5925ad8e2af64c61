import type { VerifyReport } from './verify-log.ts';
import { outcomeOf, requestOf, subjectOf } from './event-filter.ts';
import type { LogSummary } from './summarize-log.ts';
import type { ReplayOutcome, ReplayReport } from './replay-log.ts';

/* The audit commands' text output; --json prints the reports themselves. */

export function formatVerify(r: VerifyReport): string {
  const out: string[] = [];
  for (const f of r.files) out.push(`${f.file}: ${f.records} records${f.firstSeq !== undefined ? ` (seq ${f.firstSeq}..${f.lastSeq})` : ''}`);
  out.push(
    `chain: ${r.records} records${r.firstSeq !== undefined ? `, seq ${r.firstSeq}..${r.lastSeq}` : ''}${r.fromGenesis ? ', from the first record ever (seq 0)' : r.records > 0 ? `; the ${r.firstSeq} earlier records are not among these files (rotated away?)` : ''}`,
  );
  if (r.checkpoints.checked) {
    out.push(
      `checkpoints: ${r.checkpoints.valid} valid signatures, ${r.checkpoints.matched} match the log${r.checkpoints.beforeRange ? `, ${r.checkpoints.beforeRange} cover earlier files` : ''}${r.checkpoints.latestSeq !== undefined ? `; latest covers seq ${r.checkpoints.latestSeq}` : ''}`,
    );
  } else {
    out.push('checkpoints: not checked (pass --key <public key> and the checkpoint file); cutting the end of the log goes unnoticed without them');
  }
  for (const p of r.problems) out.push(`${p.kind.toUpperCase()}  ${p.at}${p.seq !== undefined ? ` (seq ${p.seq})` : ''}: ${p.message}`);
  out.push(r.ok ? 'OK: no modified, deleted, inserted or reordered record' : `FAILED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`);
  return `${out.join('\n')}\n`;
}

export function formatEvent(e: Record<string, unknown>): string {
  const outcome = outcomeOf(e);
  const error = (e['error'] as { code?: string } | undefined)?.code;
  const req = requestOf(e);
  const revs = Object.values((e['bundles'] as Record<string, { revision?: string }>) ?? {}).map((b) => b?.revision);
  const reasons = (e['result'] as { reasons?: string[] } | undefined)?.reasons;
  return [
    String(e['timestamp'] ?? '-'),
    outcome === 'error' ? `ERROR(${error})` : outcome.toUpperCase(),
    subjectOf(e) ?? '-',
    req ? `${req.method} ${req.path}` : '-',
    `rev ${revs.join(',') || '-'}`,
    String(e['decision_id'] ?? '-'),
    ...(reasons?.length ? [`[${reasons.join('; ')}]`] : []),
  ].join('  ');
}

export function formatStats(s: LogSummary): string {
  const pct = (n: number): string => (s.decisions === 0 ? '' : ` (${((100 * n) / s.decisions).toFixed(1)}%)`);
  const list = (rows: readonly [string, number][]): string[] => (rows.length === 0 ? ['  (none)'] : rows.map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`));
  return `${[
    `decisions  ${s.decisions}${s.from ? `  (${s.from} .. ${s.to})` : ''}`,
    `allow      ${s.allow}${pct(s.allow)}`,
    `deny       ${s.deny}${pct(s.deny)}  (policy ${s.deny - s.errors}, errors ${s.errors})`,
    ...(s.errorCodes.length ? ['errors by code:', ...list(s.errorCodes)] : []),
    'bundle revisions:',
    ...list(s.revisions),
    'most denied paths:',
    ...list(s.topDeniedPaths),
    'most denied subjects:',
    ...list(s.topDeniedSubjects),
  ].join('\n')}\n`;
}

export function formatReplay(r: ReplayReport): string {
  const o = (x: ReplayOutcome): string => (x.error ? `DENY(${x.error})` : x.allow ? 'ALLOW' : 'DENY');
  const lines = [
    `replayed against ${r.bundle} (revision ${r.revision}, entrypoint ${r.entrypoint ?? '-'})`,
    `logged under revision${r.loggedRevisions.length === 1 ? '' : 's'}: ${r.loggedRevisions.map(([rev, n]) => `${rev} (${n})`).join(', ') || '-'}`,
    `decisions selected   ${r.selected}`,
    `replayed             ${r.replayed}`,
    `  unchanged          ${r.unchanged}`,
    `  allow -> deny      ${r.allowToDeny}`,
    `  deny -> allow      ${r.denyToAllow}`,
    `  reasons changed    ${r.reasonsChanged}  (same allow/deny)`,
    `not replayable       ${r.notReplayable}  (no input logged: the decision failed before the policy ran)`,
    `masked inputs        ${r.maskedInputs}  (replayed without what masking erased; marked * below)`,
  ];
  const changed = r.allowToDeny + r.denyToAllow;
  if (changed > 0) {
    lines.push(`changed decisions${r.changes.length < changed ? ` (first ${r.changes.length} of ${changed}; --limit lists more)` : ''}:`);
    for (const c of r.changes) {
      lines.push(`  ${o(c.before)} -> ${o(c.after)}${c.masked ? ' *' : ''}  ${c.timestamp}  ${c.subject ?? '-'}  ${c.request ?? '-'}  ${c.decision_id}  (${c.at})`);
      if (c.after.reasons?.length) lines.push(`      now: ${c.after.reasons.join('; ')}`);
    }
  } else {
    lines.push('no decision would change');
  }
  return `${lines.join('\n')}\n`;
}
