import type { DecisionLogStats } from '../decision-log/decision-logger.ts';
import type { DecisionLogCounts } from './sidecar-metrics.ts';

/** The decision log's counters for the metrics registry: drops keyed `<sink>/<reason>`. */
export function decisionLogCounts(s: DecisionLogStats): DecisionLogCounts {
  const dropped: Record<string, number> = { 'queue/buffer_full': s.drops.buffer_full, 'queue/stopped': s.drops.stopped };
  if (s.sinks.file) dropped['file/write_error'] = s.sinks.file.dropped.write_error;
  if (s.sinks.stdout) dropped['stdout/write_error'] = s.sinks.stdout.dropped.write_error;
  if (s.sinks.http) for (const [reason, n] of Object.entries(s.sinks.http.dropped)) dropped[`http/${reason}`] = n;
  return { logged: s.logged, written: s.written, buffered: s.buffered, dropped };
}
