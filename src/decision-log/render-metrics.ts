import type { DecisionLogStats } from './decision-logger.ts';

/**
 * The decision log's counters in Prometheus text format: one drop counter per sink and reason,
 * so an alert can fire on any loss (`increase(authz_decision_log_dropped_total[5m]) > 0`).
 */
export function renderDecisionLogMetrics(stats: DecisionLogStats): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${value}`);
    }
  };
  const { file, stdout, http } = stats.sinks;
  metric('authz_decision_log_events_total', 'counter', 'Decisions handed to the decision log.', [[{}, stats.logged]]);
  metric('authz_decision_log_written_total', 'counter', 'Events written or delivered, by sink.', [
    ...(file ? [[{ sink: 'file' }, file.written] as [Record<string, string>, number]] : []),
    ...(stdout ? [[{ sink: 'stdout' }, stdout.written] as [Record<string, string>, number]] : []),
    ...(http ? [[{ sink: 'http' }, http.sent] as [Record<string, string>, number]] : []),
  ]);
  const drops: [Record<string, string>, number][] = [[{ sink: 'queue', reason: 'buffer_full' }, stats.drops.buffer_full]];
  if (file) drops.push([{ sink: 'file', reason: 'write_error' }, file.dropped.write_error]);
  if (stdout) drops.push([{ sink: 'stdout', reason: 'write_error' }, stdout.dropped.write_error]);
  if (http) for (const [reason, n] of Object.entries(http.dropped)) drops.push([{ sink: 'http', reason }, n]);
  metric('authz_decision_log_dropped_total', 'counter', 'Events lost, by sink and reason.', drops);
  metric('authz_decision_log_mask_errors_total', 'counter', 'Events whose input was erased because masking could not run.', [[{}, stats.mask_errors]]);
  metric('authz_decision_log_buffered_events', 'gauge', 'Events waiting, by queue.', [
    [{ sink: 'queue' }, stats.buffered],
    ...(http ? [[{ sink: 'http' }, http.buffered_events] as [Record<string, string>, number]] : []),
  ]);
  if (http) metric('authz_decision_log_buffered_bytes', 'gauge', 'Bytes waiting in the HTTP upload buffer.', [[{ sink: 'http' }, http.buffered_bytes]]);
  if (file) metric('authz_decision_log_chain_seq', 'gauge', 'seq of the last record written to the hash chain.', [[{}, file.seq]]);
  return `${out.join('\n')}\n`;
}
