import { randomUUID } from 'node:crypto';
import { silentLog, type ProcessLog } from '../lib/process-log.ts';
import { DECISION_EVENT_VERSION, type DecisionEventDraft } from './decision-event.ts';
import { compileMasks, maskEvent, type CompiledMasks, type MaskPolicy } from './mask-event.ts';
import { SidecarError } from '../errors/sidecar-error.ts';
import { stringifyMembers } from '../lib/frozen-json.ts';
import { OK, statusOf, type Component, type ComponentStatus } from '../lib/component.ts';
import { createFileSink, type FileSink, type FileSinkStats } from './file-sink.ts';
import { fileSinkOptions, type FileSinkFactory } from './file-sink-options.ts';
import { createStreamSink, type StreamSink, type StreamSinkStats } from './stream-sink.ts';
import { createHttpSink, type HttpSink, type HttpSinkOptions, type HttpSinkStats } from './http-sink.ts';
import pkg from '../../package.json' with { type: 'json' };

export interface DecisionLoggerOptions {
  /** `stdout`, `none`, or a file path (hash-chained JSON lines). */
  readonly target: string;
  /** Events waiting to be masked and written; beyond it they are dropped (`buffer_full`). */
  readonly bufferEvents: number;
  readonly file?: { readonly maxBytes: number };
  readonly checkpoint?: { readonly keyFile: string | undefined; readonly file: string | undefined; readonly everyEvents: number; readonly intervalMs: number };
  readonly http?: Omit<HttpSinkOptions, 'log'> | undefined;
  readonly masking?: CompiledMasks;
  /**
   * Builds the file sink (default createFileSink). A cluster worker passes a relay to the primary's
   * sink, so that the workers' records form one hash chain in one file (src/lifecycle/).
   */
  readonly fileSink?: FileSinkFactory;
  /** labels.id; a fresh UUID per process by default, like OPA's instance id. */
  readonly instanceId?: string;
  readonly log?: ProcessLog;
}

export interface DecisionLogStats {
  /** Events handed to log(). */
  readonly logged: number;
  /** Waiting in the front queue. */
  readonly buffered: number;
  /** Written by the primary sink (file or stdout); what SIGTERM accounting compares with decisions. */
  readonly written: number;
  /** Every drop, all sinks and reasons together. */
  readonly dropped: number;
  /**
   * Drops before any sink: the front queue was full (`buffer_full`), or the decision was handed over after this
   * log stopped (`stopped`: a request that outlived a reload's shutdown.timeoutMs, src/runtime/runtime.ts).
   */
  readonly drops: { readonly buffer_full: number; readonly stopped: number };
  /** Events whose input was erased because masking could not run (see `mask_error` in the event). */
  readonly mask_errors: number;
  readonly sinks: {
    readonly file?: FileSinkStats;
    readonly stdout?: StreamSinkStats;
    readonly http?: HttpSinkStats;
  };
}

/**
 * The `decision_logs` component. `start` opens the sinks (reads the chain head back, loads the
 * checkpoint key) and must finish before the first decision; `stop` flushes, writes the last
 * checkpoint, delivers what the HTTP sink holds (within its timeout) and closes.
 */
export interface DecisionLogger extends Component {
  /** Queues one event; never blocks the request. Drops (and counts) only when the queue is full. */
  log(event: DecisionEventDraft, maskPolicy?: MaskPolicy): void;
  /** Resolves when everything queued so far has been handed to the sinks. */
  flush(): Promise<void>;
  /** A snapshot of every counter; served by the status endpoint and /metrics. */
  readonly stats: DecisionLogStats;
}

/**
 * Stands for the input while the rest of an event is serialised; random per process, so no value an
 * event carries (those before `input` are ours: decision id, bundle revision, entrypoint) can match it.
 */
const INPUT_MARKER = `input-${randomUUID()}`;
const MARKER_JSON = JSON.stringify(INPUT_MARKER);

const NO_MASKING: CompiledMasks = compileMasks({ erase: [], mask: [], eraseTokens: true });
/** Events masked and serialised per turn of the event loop, so a backlog cannot starve requests... */
const BATCH_EVENTS = 512;
/** ...nor hold more than about this much serialised JSON at once (a 5,000-role input is ~90 KiB). */
const BATCH_BYTES = 1024 * 1024;

/**
 * The decision log: decisions are queued on the request path (one array push) and everything
 * else happens later, off it: masking (configured pointers, the bundle's `data.system.log.mask`,
 * the credential scrub), serialisation, then every sink. The file sink is waited for (its
 * backpressure holds the queue, which is bounded); the HTTP sink has its own bounded buffer.
 *
 * @example
 * const decisionLog = createDecisionLogger({ target: 'decisions.log', bufferEvents: 100_000 });
 * await decisionLog.start();
 * decisionLog.log(draft);            // from the decision pipeline
 * await decisionLog.stop();          // on SIGTERM
 *
 * One closure on purpose (longer than 80 lines): the queue, the pump and the counters are private state log(), flush(), stop() and the status share; each is short.
 */
export function createDecisionLogger(options: DecisionLoggerOptions): DecisionLogger {
  const log = options.log ?? silentLog;
  const labels = { app: 'authz-sidecar', id: options.instanceId ?? randomUUID(), version: pkg.version };
  const masking = options.masking ?? NO_MASKING;
  const fileOptions = fileSinkOptions(options, labels.id, log);
  const file: FileSink | undefined = fileOptions ? (options.fileSink ?? createFileSink)(fileOptions) : undefined;
  const stdout: StreamSink | undefined = options.target === 'stdout' ? createStreamSink(process.stdout) : undefined;
  const http: HttpSink | undefined = options.http ? createHttpSink({ ...options.http, log }) : undefined;

  type Entry = { event: DecisionEventDraft; maskPolicy: MaskPolicy | undefined } | undefined;
  // New decisions go to `queue`; the pump swaps it for `taking` and works through it by index.
  let queue: Entry[] = [];
  let taking: Entry[] = [];
  let at = 0;
  const waiting = (): number => queue.length + taking.length - at;
  let logged = 0;
  let bufferFull = 0;
  let stoppedDrops = 0;
  /** False once stop() has flushed the queue: the sinks close after that, so a later event could not reach them. */
  let accepting = true;
  let maskErrors = 0;
  let pumping: Promise<void> | undefined;

  const serialise = (draft: DecisionEventDraft, maskPolicy: MaskPolicy | undefined): string => {
    const m = maskEvent(draft as unknown as Record<string, unknown>, masking, maskPolicy);
    let error = m.error;
    // The input is written by stringifyMembers (a cached subject's text is remembered, src/lib/frozen-json.ts)
    // and put in place of a marker, so the line is byte for byte what JSON.stringify would write.
    const input = m.event['input'];
    const spliced = input !== null && typeof input === 'object' && !Array.isArray(input);
    const event = (extra: Record<string, unknown>): Record<string, unknown> => ({
      schema_version: DECISION_EVENT_VERSION,
      ...m.event,
      ...(spliced ? { input: INPUT_MARKER } : {}),
      labels,
      ...(m.erased.length > 0 ? { erased: m.erased } : {}),
      ...(m.masked.length > 0 ? { masked: m.masked } : {}),
      ...extra,
    });
    let json: string;
    try {
      json = JSON.stringify(event(error ? { mask_error: error } : {}));
      if (spliced) {
        const at = json.indexOf(MARKER_JSON);
        json = `${json.slice(0, at)}${stringifyMembers(input)}${json.slice(at + MARKER_JSON.length)}`;
      }
    } catch (err) {
      // A deeply nested or otherwise unserialisable input: the decision is still recorded, without it.
      error = `input could not be serialised: ${(err as Error).message}`;
      const { input: _unserialisable, ...rest } = m.event;
      json = JSON.stringify({ schema_version: DECISION_EVENT_VERSION, ...rest, labels, erased: ['/input'], mask_error: error });
    }
    if (error) maskErrors++;
    return json;
  };

  const pump = async (): Promise<void> => {
    for (;;) {
      if (at >= taking.length) {
        if (queue.length === 0) break;
        taking = queue;
        queue = [];
        at = 0;
      }
      const lines: string[] = [];
      let bytes = 0;
      const start = at;
      while (at < taking.length && at - start < BATCH_EVENTS && bytes < BATCH_BYTES) {
        const q = taking[at]!;
        taking[at++] = undefined; // let the event go as soon as it is serialised
        let json: string;
        try {
          json = serialise(q.event, q.maskPolicy);
        } catch (err) {
          // A bug in masking must not stop the log (nor crash the process): the decision is recorded without its input.
          maskErrors++;
          const { input: _unmasked, ...rest } = q.event as unknown as Record<string, unknown>;
          json = JSON.stringify({ schema_version: DECISION_EVENT_VERSION, ...rest, labels, erased: ['/input'], mask_error: `internal: ${(err as Error).message}` });
        }
        lines.push(json);
        bytes += json.length;
      }
      http?.enqueue(lines);
      if (file) await file.write(lines);
      if (stdout) await stdout.write(lines);
      if (waiting() > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    taking = [];
    at = 0;
  };
  const schedule = (): Promise<void> => {
    pumping ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(pump)
      .finally(() => {
        pumping = undefined;
        if (waiting() > 0) void schedule();
      });
    return pumping;
  };

  const flush = async (): Promise<void> => {
    while (waiting() > 0 || pumping) await (pumping ?? schedule());
  };
  let opened = false;
  let closing: Promise<void> | undefined;
  const stats = (): DecisionLogStats => {
    const sinks = { ...(file ? { file: file.stats } : {}), ...(stdout ? { stdout: stdout.stats } : {}), ...(http ? { http: http.stats } : {}) };
    const sinkDrops =
      (sinks.file?.dropped.write_error ?? 0) +
      (sinks.stdout?.dropped.write_error ?? 0) +
      Object.values(sinks.http?.dropped ?? {}).reduce((a, b) => a + b, 0);
    return {
      logged,
      buffered: waiting(),
      written: sinks.file?.written ?? sinks.stdout?.written ?? sinks.http?.sent ?? 0,
      dropped: bufferFull + stoppedDrops + sinkDrops,
      drops: { buffer_full: bufferFull, stopped: stoppedDrops },
      mask_errors: maskErrors,
      sinks,
    };
  };
  /** The primary record (file, stdout) failing is an ERROR; the upload failing is a WARN: its buffer holds the events and retries. */
  const health = (): ComponentStatus => {
    if (!opened) return statusOf('NOT_READY', `the decision log '${options.target}' is not open`);
    const primary = file?.stats.last_error ?? stdout?.stats.last_error;
    if (primary) return statusOf('ERROR', `writing ${file ? `'${options.target}'` : 'stdout'} fails, records are dropped and counted: ${primary}`);
    const upload = http?.stats.last_error;
    if (upload) return statusOf('WARN', `uploading to ${http!.stats.url} fails, events are buffered and retried: ${upload}`);
    return OK;
  };

  return {
    name: 'decision log',
    async start() {
      try {
        await file?.open();
      } catch (err) {
        throw new SidecarError('config_error', `cannot open the decision log '${options.target}': ${(err as Error).message}`, { cause: err, expose: true });
      }
      opened = true;
    },
    status: () => ({ decision_logs: health() }),
    statusSections: () => ({ decision_logs: stats() }),
    log(event, maskPolicy) {
      logged++;
      if (!file && !stdout && !http) return; // target none, no upload: nothing to mask or write
      if (!accepting) {
        stoppedDrops++;
        return;
      }
      if (waiting() >= options.bufferEvents) {
        bufferFull++;
        return;
      }
      queue.push({ event, maskPolicy });
      void schedule();
    },
    flush,
    stop() {
      closing ??= (async () => {
        await flush();
        accepting = false;
        await flush(); // what arrived while the first flush's last write was finishing
        await file?.close();
        await http?.close();
      })();
      return closing;
    },
    get stats() {
      return stats();
    },
  };
}
