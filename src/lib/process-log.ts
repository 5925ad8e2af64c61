/**
 * Structured process log: one JSON object per line on stderr (stdout may carry decision logs).
 * Callers pass fields, never tokens or secrets; messages are written as given.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface ProcessLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createProcessLog(minLevel: Level = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): ProcessLog {
  const at = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A log that discards everything (tests, `demo token`). */
export const silentLog: ProcessLog = { debug() {}, info() {}, warn() {}, error() {} };
