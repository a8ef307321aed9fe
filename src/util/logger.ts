/**
 * Structured logging: one JSON line per event, each naming its component. Built on
 * pino (fast, JSON-first). SKIFF_LOG_LEVEL sets the level (default info; tests
 * usually run with "silent").
 *
 * pino is loaded when the first line at an enabled level is written, not at start-up:
 * loading it takes ~35 ms, a tenth of the server's start-up budget, and a server that
 * starts cleanly logs nothing until later. Lines below the level cost a comparison.
 */
import { createRequire } from 'node:module';
import type { Logger as PinoLogger } from 'pino';

export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(fields: Record<string, unknown>): Logger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/** pino's level numbers; `silent` is above all of them. */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

const levelName = (): string => process.env['SKIFF_LOG_LEVEL'] ?? 'info';

let root: PinoLogger | undefined;

function rootLogger(): PinoLogger {
  if (!root) {
    // Required on first use (see the header), from node_modules also in the built CLI.
    const { pino, destination } = createRequire(import.meta.url)('pino') as typeof import('pino');
    root = pino({ level: levelName(), base: { pid: process.pid } }, destination({ dest: 2, sync: false }));
  }
  return root;
}

/** A logger whose pino child is made when it first writes a line. */
class LazyLogger implements Logger {
  private pinoLogger: PinoLogger | undefined;

  constructor(
    private readonly bindings: Record<string, unknown>,
    private readonly threshold: number,
  ) {}

  private write(level: Level, fields: Record<string, unknown>, message: string): void {
    if (LEVELS[level]! < this.threshold) return;
    this.pinoLogger ??= rootLogger().child(this.bindings);
    this.pinoLogger[level](fields, message);
  }

  debug(fields: Record<string, unknown>, message: string): void {
    this.write('debug', fields, message);
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.write('info', fields, message);
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.write('warn', fields, message);
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.write('error', fields, message);
  }
  child(fields: Record<string, unknown>): Logger {
    return new LazyLogger({ ...this.bindings, ...fields }, this.threshold);
  }
}

export function createLogger(component: string): Logger {
  // An unknown level name is pino's to refuse, so it loads at once.
  const threshold = LEVELS[levelName()];
  if (threshold === undefined) rootLogger();
  return new LazyLogger({ component }, threshold ?? 0);
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
