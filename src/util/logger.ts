/**
 * Structured logging: one JSON line per event, each naming its component. Built on
 * pino (fast, JSON-first). SKIFF_LOG_LEVEL sets the level (default info; tests
 * usually run with "silent").
 */
import { pino, destination, type Logger as PinoLogger } from 'pino';

export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(fields: Record<string, unknown>): Logger;
}

let root: PinoLogger | undefined;

function rootLogger(): PinoLogger {
  root ??= pino(
    { level: process.env['SKIFF_LOG_LEVEL'] ?? 'info', base: { pid: process.pid } },
    destination({ dest: 2, sync: false }),
  );
  return root;
}

export function createLogger(component: string): Logger {
  return rootLogger().child({ component });
}

/** A logger that drops everything, for code paths that were given none. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
