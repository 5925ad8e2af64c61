import { parseTime, type EventFilter } from './event-filter.ts';

/** The filter options, by the name the CLI (`--subject`) and the explorer's API (`?subject=`) both use. */
export const FILTER_OPTIONS = ['subject', 'result', 'path', 'method', 'since', 'until', 'decision-id', 'error-code', 'revision', 'reason'] as const;
export type FilterOption = (typeof FILTER_OPTIONS)[number];

/** A filter option with a value it cannot take; `option` names it. */
export class FilterOptionError extends Error {
  readonly option: FilterOption;
  constructor(option: FilterOption, message: string) {
    super(message);
    this.name = 'FilterOptionError';
    this.option = option;
  }
}

/**
 * Reads an EventFilter from named text values (undefined: no condition), checking each:
 * the command line and the explorer accept exactly the same filters, with the same errors.
 */
export function parseFilter(get: (option: FilterOption) => string | undefined, now = Date.now()): EventFilter {
  const str = get;
  const result = str('result');
  if (result !== undefined && !['allow', 'deny', 'error'].includes(result)) throw new FilterOptionError('result', `result must be allow, deny or error, got '${result}'`);
  const time = (k: 'since' | 'until'): Date | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const t = parseTime(v, now);
    if (!t) throw new FilterOptionError(k, `${k} must be an ISO 8601 time or a duration such as 15m, 2h, 7d; got '${v}'`);
    return t;
  };
  const since = time('since');
  const until = time('until');
  const text = (k: FilterOption, field: 'subject' | 'path' | 'method' | 'decisionId' | 'errorCode' | 'revision' | 'reason'): Partial<Record<typeof field, string>> =>
    str(k) !== undefined ? { [field]: str(k) } : {};
  return {
    ...text('subject', 'subject'),
    ...(result !== undefined ? { result: result as EventFilter['result'] } : {}),
    ...text('path', 'path'),
    ...text('method', 'method'),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...text('decision-id', 'decisionId'),
    ...text('error-code', 'errorCode'),
    ...text('revision', 'revision'),
    ...text('reason', 'reason'),
  };
}
