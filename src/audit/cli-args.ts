import { parseArgs } from 'node:util';
import type { EventFilter } from './event-filter.ts';
import { FILTER_OPTIONS, FilterOptionError, parseFilter } from './parse-filter.ts';
import { HELP } from './audit-help.ts';

/* What every `authz-sidecar audit` command shares: its output, options, usage errors. */

/** Where the commands print; the process's stdout and stderr by default. */
export interface AuditIo {
  out(text: string): void;
  err(text: string): void;
}

/** A command line the command cannot run; exits 2 with the message. */
export class UsageError extends Error {}

/** parseArgs options of the filters (parse-filter.ts names them). */
export const filterOptions = Object.fromEntries(FILTER_OPTIONS.map((o) => [o, { type: 'string' }])) as Record<(typeof FILTER_OPTIONS)[number], { type: 'string' }>;

/** Parses a command's options and files; --help needs no files. */
export function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(name: string, args: readonly string[], options: T) {
  const parsed = parseArgs({ args: [...args], allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } as T & { help: { type: 'boolean'; short: 'h' } } });
  const help = (parsed.values as { help?: boolean }).help === true;
  if (!help && parsed.positionals.length === 0) throw new UsageError(`no log files given\n\n${HELP[name]}`);
  return { values: parsed.values as Record<string, string | boolean | undefined>, files: parsed.positionals, help };
}

/** The filter options of query, stats and replay. */
export function filterFrom(values: Record<string, string | boolean | undefined>): EventFilter {
  try {
    return parseFilter((k) => (typeof values[k] === 'string' ? (values[k] as string) : undefined));
  } catch (err) {
    if (err instanceof FilterOptionError) throw new UsageError(`--${err.message}`);
    throw err;
  }
}

/** A `--name <n>` option that must be a positive integer. */
export function positiveInt(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${String(v)}'`);
  return n;
}

/** Prints a command's --help; exit code 0. */
export function printHelp(name: string, io: AuditIo): number {
  io.out(`${HELP[name]}\n`);
  return 0;
}
