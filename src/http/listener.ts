import type { RequestListener } from 'node:http';
import type { Config, Listen } from '../config/config.ts';
import { OK, statusOf, type Component } from '../lib/component.ts';
import type { ProcessLog } from '../lib/process-log.ts';
import { startServer, type RunningServer, type ServerHooks } from './start-server.ts';

export interface ListenerOptions {
  /** The component's name in statuses (`listener`, `diagnostics`). */
  readonly name: string;
  readonly handler: RequestListener;
  readonly config: Config;
  readonly listen: Listen;
  readonly log: ProcessLog;
  readonly hooks?: ServerHooks & { onCut?(count: number): void };
  /** The API listener keeps serving through `shutdown.drainDelayMs`; a diagnostics listener just closes (within 1 s). */
  readonly drains?: boolean;
  /** Log fields of the `listening` line (for example the paths a diagnostics listener serves). */
  readonly describe?: Readonly<Record<string, unknown>>;
}

export interface Listener extends Component {

  /** `http://127.0.0.1:8181` or `unix:/path`, once started. */
  readonly url: string | undefined;
  readonly inFlight: number;
  /** Requests cut by the shutdown timeout (0 until stopped). */
  readonly cut: number;
  /** Takes the `shutdown.*` keys of a reloaded configuration (they are reloadable; the socket is not). */
  reconfigure(shutdown: Config['shutdown']): void;
}

/**
 * A listener as a component: `start` binds the socket; `stop` keeps serving for
 * `shutdown.drainDelayMs` (while `/ready` already answers 503, so load balancers move away),
 * then stops accepting and waits up to `shutdown.timeoutMs` for in-flight requests; requests cut
 * by that timeout are reported through `onCut`.
 */
export function createListener(options: ListenerOptions): Listener {
  let server: RunningServer | undefined;
  let shutdown = options.config.shutdown;
  let stopping: Promise<void> | undefined;
  let cutCount = 0;
  const { name, log } = options;
  return {
    name,
    get url() {
      return server?.url;
    },
    get inFlight() {
      return server?.inFlight ?? 0;
    },
    get cut() {
      return cutCount;
    },
    reconfigure(next) {
      shutdown = next;
    },
    async start() {
      server ??= await startServer(options.handler, options.config, options.listen, options.hooks);
      log.info(name === 'listener' ? 'listening' : `${name} listening`, { url: server.url, ...options.describe });
    },
    stop() {
      stopping ??= (async () => {
        if (!server) return;
        if (!options.drains) {
          await server.shutdown(Math.min(shutdown.timeoutMs, 1000));
          return;
        }
        if (shutdown.drainDelayMs > 0) await new Promise((r) => setTimeout(r, shutdown.drainDelayMs));
        log.info('closing the listener', { in_flight: server.inFlight });
        const { cut } = await server.shutdown(shutdown.timeoutMs);
        cutCount = cut;
        if (cut > 0) {
          options.hooks?.onCut?.(cut);
          log.error('shutdown timeout: requests cut before they were answered', { cut, timeout_ms: shutdown.timeoutMs });
        }
      })();
      return stopping;
    },
    status: () => ({ [name]: stopping ? statusOf('NOT_READY', 'shutting down') : server ? OK : statusOf('NOT_READY', 'not listening yet') }),
  };
}
