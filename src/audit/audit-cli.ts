import type { KeyObject } from 'node:crypto';
import { loadPublicKey } from '../decision-log/checkpoints.ts';
import { verifyLog } from './verify-log.ts';
import { eventMatcher } from './event-filter.ts';
import { AUDIT_HELP, HELP } from './audit-help.ts';
import { filterFrom, filterOptions, parse, positiveInt, printHelp, UsageError, type AuditIo } from './cli-args.ts';
import { readEvents } from './read-log.ts';
import { createSummarizer } from './summarize-log.ts';
import { replayLog } from './replay-log.ts';
import { formatEvent, formatReplay, formatStats, formatVerify } from './format-report.ts';

const PROCESS_IO: AuditIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export type { AuditIo } from './cli-args.ts';

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
      case 'serve':
        return await (await import('./explorer/serve-command.ts')).serveExplorer(args, io);
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
