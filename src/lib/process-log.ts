import pino, { type DestinationStream, type Logger } from 'pino';
import { redactSecrets, scrubString } from './redact-secrets.ts';

/**
 * Structured process log: one JSON object per line on stderr (stdout may carry decision logs),
 * `{"level","time","pid","msg",...fields}`, written by pino. Fields and messages pass through
 * redactSecrets, so a token or secret that reaches a log call anyway is replaced.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface ProcessLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** The process log the CLI owns: it can change level (config reload), flush (shutdown) and count drops. */
export interface ProcessLogHandle extends ProcessLog {
  setLevel(level: Level): void;
  /** Resolves once every line so far is written to stderr. */
  flush(): Promise<void>;
  /** Lines dropped because stderr did not keep up (bounded buffer). */
  readonly dropped: number;
}

/** stderr is written asynchronously through a buffer of this size; beyond it lines are dropped and counted. */
const MAX_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * @example
 * const log = createProcessLog('info');
 * log.warn('userinfo failed', { code: 'claims_unavailable' });
 * await log.flush();
 */
export function createProcessLog(minLevel: Level = 'info', write?: (line: string) => void): ProcessLogHandle {
  let dropped = 0;
  let stream: DestinationStream;
  if (write) {
    stream = { write };
  } else {
    const boom = pino.destination({ dest: 2, sync: false, minLength: 0, maxLength: MAX_BUFFER_BYTES });
    boom.on('drop', (data: string) => {
      dropped += data.split('\n').length - 1 || 1;
    });
    stream = boom;
  }
  const logger: Logger = pino(
    {
      level: minLevel,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  // `msg` goes first in the object (pino keeps object order), so lines read level, time, pid, msg, fields.
  const at = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(level)) return;
    logger[level]({ msg: scrubString(msg), ...(fields ? (redactSecrets(fields) as Record<string, unknown>) : {}) });
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel(level) {
      logger.level = level;
    },
    flush: () =>
      new Promise<void>((resolve) => {
        if (write) resolve();
        else logger.flush(() => resolve());
      }),
    get dropped() {
      return dropped;
    },
  };
}

/** A log that discards everything (tests, `demo token`). */
export const silentLog: ProcessLog = { debug() {}, info() {}, warn() {}, error() {} };
