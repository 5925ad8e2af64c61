import { parseArgs } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { loadPublicKey } from '../decision-log/checkpoints.ts';
import { verifyLog } from './verify-log.ts';
import { eventMatcher, parseTime, type EventFilter } from './event-filter.ts';
import { readEvents } from './read-log.ts';
import { createSummarizer } from './summarize-log.ts';
import { replayLog } from './replay-log.ts';
import { formatEvent, formatReplay, formatStats, formatVerify } from './format-report.ts';

const FILTERS = `Filters (every one given must match):
  --subject <sub>        the verified subject
  --result <r>           allow, deny (every decision that did not allow, errors included) or error
  --path <glob>          normalised request path; * within a segment, ** across ('/api/orders/**')
  --method <method>      request method
  --since <time>         ISO 8601 time, or a duration before now: 30s, 15m, 2h, 7d
  --until <time>         same forms
  --decision-id <id>     one decision`;

export const AUDIT_HELP = `Usage: authz-sidecar audit <verify|query|stats|replay> [options] <files...>

Reads decision logs written by the file sink (rotated files in any order; shell globs work).

  verify   check the hash chain (and signed checkpoints): modified, deleted, inserted, reordered
           or cut records, with where; exits 1 when any is found
  query    print the decisions that match filters
  stats    allows and denies, errors by code, the most denied paths and subjects
  replay   re-evaluate logged inputs against another bundle: which decisions would change

Run 'authz-sidecar audit <command> --help' for its options. Full reference: docs/decision-log.md.`;

const HELP: Record<string, string> = {
  verify: `Usage: authz-sidecar audit verify [--key <public key>] [--require-genesis] [--json] <files...>

Checks the hash chain across the given log files (put in rotation order) and reports every
modified, deleted, inserted or reordered record with its file and line. With --key, checkpoint
files among <files> (decisions.log.checkpoints) are checked too: a forged checkpoint, a rewritten
chain, or records cut from the end of the log are reported.

Options:
  --key <file>          public key of decisionLog.checkpoint.keyFile (PEM or JWK; the private key works too)
  --require-genesis     the log must start at its first record ever (seq 0): report records missing before
  --json                print the report as JSON
  -h, --help            show this help

Exit status: 0 intact, 1 problems found, 2 usage error or unreadable file.`,
  query: `Usage: authz-sidecar audit query [filters] [--limit <n>] [--json] <files...>

Prints matching decisions, one per line: time, outcome, subject, request, bundle revision,
decision id and reasons. --json prints each matching event as logged (JSON lines).

${FILTERS}

Options:
  --limit <n>           stop after n decisions
  --json                JSON lines
  -h, --help            show this help`,
  stats: `Usage: authz-sidecar audit stats [filters] [--top <n>] [--json] <files...>

Summarises the matching decisions: allows, denies, errors by code, bundle revisions, the most
denied paths and subjects.

${FILTERS}

Options:
  --top <n>             how many paths and subjects to rank (default 10)
  --json                print the summary as JSON
  -h, --help            show this help`,
  replay: `Usage: authz-sidecar audit replay --bundle <bundle.tar.gz> [options] [filters] <files...>

Re-evaluates each logged input against <bundle> and reports the decisions that would change
(allow -> deny, deny -> allow), before you roll the bundle out. Inputs are replayed as logged:
the claims the subject had then, minus what masking erased (such decisions are flagged).
Decisions that failed before the policy ran have no input and are counted as not replayable.

${FILTERS}

Options:
  --bundle <file>       the candidate bundle (required)
  --entrypoint <ep>     entrypoint to evaluate (default: the path logged with the decisions)
  --limit <n>           changed decisions listed (default 50; all are counted)
  --exit-code           exit 1 when any decision would change (for CI)
  --json                print the report as JSON
  -h, --help            show this help`,
};

const filterOptions = {
  subject: { type: 'string' },
  result: { type: 'string' },
  path: { type: 'string' },
  method: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'decision-id': { type: 'string' },
} as const;

class UsageError extends Error {}

/** Where the commands print; the process's stdout and stderr by default. */
export interface AuditIo {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_IO: AuditIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** `authz-sidecar audit …`; resolves to the exit code. */
export async function runAudit(argv: readonly string[], io: AuditIo = PROCESS_IO): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'verify':
        return await verify(args, io);
      case 'query':
        return await query(args, io);
      case 'stats':
        return await stats(args, io);
      case 'replay':
        return await replay(args, io);
      case undefined:
      case '-h':
      case '--help':
        io.out(`${AUDIT_HELP}\n`);
        return command === undefined ? 2 : 0;
      default:
        io.err(`authz-sidecar audit: unknown command '${command}'\n\n${AUDIT_HELP}\n`);
        return 2;
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (err instanceof UsageError || code?.startsWith('ERR_PARSE_ARGS') || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      io.err(`authz-sidecar audit ${command}: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(name: string, args: readonly string[], options: T) {
  const parsed = parseArgs({ args: [...args], allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } as T & { help: { type: 'boolean'; short: 'h' } } });
  const help = (parsed.values as { help?: boolean }).help === true;
  if (!help && parsed.positionals.length === 0) throw new UsageError(`no log files given\n\n${HELP[name]}`);
  return { values: parsed.values as Record<string, string | boolean | undefined>, files: parsed.positionals, help };
}

function filterFrom(values: Record<string, string | boolean | undefined>): EventFilter {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const result = str('result');
  if (result !== undefined && !['allow', 'deny', 'error'].includes(result)) throw new UsageError(`--result must be allow, deny or error, got '${result}'`);
  const time = (k: string): Date | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const t = parseTime(v);
    if (!t) throw new UsageError(`--${k} must be an ISO 8601 time or a duration such as 15m, 2h, 7d; got '${v}'`);
    return t;
  };
  const since = time('since');
  const until = time('until');
  return {
    ...(str('subject') !== undefined ? { subject: str('subject') } : {}),
    ...(result !== undefined ? { result: result as EventFilter['result'] } : {}),
    ...(str('path') !== undefined ? { path: str('path') } : {}),
    ...(str('method') !== undefined ? { method: str('method') } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(str('decision-id') !== undefined ? { decisionId: str('decision-id') } : {}),
  };
}

function positiveInt(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${String(v)}'`);
  return n;
}

async function verify(args: readonly string[], io: AuditIo): Promise<number> {
  const { values, files, help } = parse('verify', args, { key: { type: 'string' }, 'require-genesis': { type: 'boolean' }, json: { type: 'boolean' } });
  if (help) return printHelp('verify', io);
  let key: KeyObject | undefined;
  if (typeof values['key'] === 'string') {
    try {
      key = loadPublicKey(values['key']);
    } catch (err) {
      throw new UsageError(`--key ${values['key']}: not a usable public key (${(err as Error).message})`);
    }
  }
  const report = await verifyLog(files, { ...(key ? { key } : {}), requireGenesis: values['require-genesis'] === true });
  io.out(values['json'] ? `${JSON.stringify(report, null, 2)}\n` : formatVerify(report));
  return report.ok ? 0 : 1;
}

async function query(args: readonly string[], io: AuditIo): Promise<number> {
  const { values, files, help } = parse('query', args, { ...filterOptions, limit: { type: 'string' }, json: { type: 'boolean' } });
  if (help) return printHelp('query', io);
  const match = eventMatcher(filterFrom(values));
  const limit = positiveInt(values, 'limit', Number.MAX_SAFE_INTEGER);
  let n = 0;
  const unreadable = { count: 0 };
  for await (const { event } of readEvents(files, unreadable)) {
    if (!match(event)) continue;
    io.out(values['json'] ? `${JSON.stringify(event)}\n` : `${formatEvent(event)}\n`);
    if (++n >= limit) break;
  }
  if (unreadable.count > 0) io.err(`authz-sidecar audit query: ${unreadable.count} lines were not JSON and were skipped (run audit verify)\n`);
  return 0;
}

async function stats(args: readonly string[], io: AuditIo): Promise<number> {
  const { values, files, help } = parse('stats', args, { ...filterOptions, top: { type: 'string' }, json: { type: 'boolean' } });
  if (help) return printHelp('stats', io);
  const match = eventMatcher(filterFrom(values));
  const top = positiveInt(values, 'top', 10);
  const summarizer = createSummarizer();
  for await (const { event } of readEvents(files)) if (match(event)) summarizer.add(event);
  const s = summarizer.result(top);
  io.out(values['json'] ? `${JSON.stringify(s, null, 2)}\n` : formatStats(s));
  return 0;
}

async function replay(args: readonly string[], io: AuditIo): Promise<number> {
  const { values, files, help } = parse('replay', args, {
    ...filterOptions,
    bundle: { type: 'string' },
    entrypoint: { type: 'string' },
    limit: { type: 'string' },
    'exit-code': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (help) return printHelp('replay', io);
  if (typeof values['bundle'] !== 'string') throw new UsageError(`--bundle <bundle.tar.gz> is required\n\n${HELP['replay']}`);
  const report = await replayLog(files, {
    bundle: values['bundle'],
    ...(typeof values['entrypoint'] === 'string' ? { entrypoint: values['entrypoint'] } : {}),
    filter: filterFrom(values),
    maxListed: positiveInt(values, 'limit', 50),
  });
  io.out(values['json'] ? `${JSON.stringify(report, null, 2)}\n` : formatReplay(report));
  return values['exit-code'] && report.allowToDeny + report.denyToAllow > 0 ? 1 : 0;
}

function printHelp(name: string, io: AuditIo): number {
  io.out(`${HELP[name]}\n`);
  return 0;
}
