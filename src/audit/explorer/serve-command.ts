import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { loadPublicKey } from '../../decision-log/checkpoints.ts';
import { parse, printHelp, UsageError, type AuditIo } from '../cli-args.ts';
import { buildLogIndex } from './log-index.ts';
import { startReplay } from './replay-view.ts';
import { isLoopback, startExplorerServer } from './explorer-server.ts';

/** Next to the sidecar's 8181 and the demo IdP's 8180. */
const DEFAULT_PORT = 8182;

/**
 * `authz-sidecar audit serve`: indexes the logs, serves the explorer until SIGINT or SIGTERM.
 * Progress goes to stderr; the page's address (with the access token, when one is needed) is the
 * one line on stdout.
 */
export async function serveExplorer(args: readonly string[], io: AuditIo, stop: Promise<unknown> = stopSignal()): Promise<number> {
  const { values, files, help } = parse('serve', args, {
    key: { type: 'string' },
    'require-genesis': { type: 'boolean' },
    bundle: { type: 'string' },
    entrypoint: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
  });
  if (help) return printHelp('serve', io);
  const host = typeof values['host'] === 'string' ? values['host'] : '127.0.0.1';
  const portText = typeof values['port'] === 'string' ? values['port'] : String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new UsageError(`--port must be 0..65535, got '${portText}'`);
  let key: KeyObject | undefined;
  if (typeof values['key'] === 'string') {
    try {
      key = loadPublicKey(values['key']);
    } catch (err) {
      throw new UsageError(`--key ${values['key']}: not a usable public key (${(err as Error).message})`);
    }
  }
  const bundle = typeof values['bundle'] === 'string' ? values['bundle'] : undefined;
  if (bundle) accessSync(bundle, constants.R_OK); // a missing bundle is a usage error now, not a failed replay later

  const t0 = performance.now();
  const seconds = (): string => ((performance.now() - t0) / 1000).toFixed(1);
  io.err(`audit serve: indexing ${files.length} file${files.length === 1 ? '' : 's'} (the chain is verified in the same pass)\n`);
  const index = await buildLogIndex(files, {
    ...(key ? { key } : {}),
    requireGenesis: values['require-genesis'] === true,
    progress: (p) => io.err(`audit serve: ${p.rows.toLocaleString('en')} decisions, ${Math.round((100 * p.bytes) / p.totalBytes)}% (${seconds()} s)\n`),
  });
  const v = index.verify;
  io.err(
    `audit serve: ${index.rows.toLocaleString('en')} decisions indexed in ${seconds()} s (${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB resident); ` +
      `chain ${v.ok ? 'intact' : `BROKEN: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}, the first ${v.problems[0]!.kind} at ${v.problems[0]!.at}`}\n`,
  );
  const replay = bundle ? startReplay(index, { bundle, ...(typeof values['entrypoint'] === 'string' ? { entrypoint: values['entrypoint'] } : {}) }) : undefined;
  const token = isLoopback(host) ? undefined : randomBytes(24).toString('base64url');
  let server;
  try {
    server = await startExplorerServer({ index, ...(replay ? { replay } : {}), host, port, ...(token ? { token } : {}), log: io.err });
  } catch (err) {
    throw new UsageError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  if (token) io.err('audit serve: bound to a non-loopback address: the page and its API need the access token in this URL; share it like a password\n');
  io.out(`${server.url}${token ? `#token=${token}` : ''}\n`);
  await stop;
  await server.close();
  return 0;
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
