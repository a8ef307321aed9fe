/**
 * Jittered exponential backoff for reconnect loops (client-go's reflector uses 800 ms
 * doubling to 30 s, reset after two minutes without failure): each failure waits
 * longer, a long quiet spell starts over.
 */
import { realClock, type Clock } from '../util/clock.js';

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Adds up to this fraction of the delay at random. */
  jitter?: number;
  /** A failure this long after the previous one starts from initialMs again. */
  resetAfterMs?: number;
  clock?: Clock;
  random?: () => number;
}

export class Backoff {
  private delay = 0;
  private lastFailure = -Infinity;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly resetAfterMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 1;
    this.resetAfterMs = options.resetAfterMs ?? 120_000;
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
  }

  /** The wait before the next attempt, after one more failure. */
  next(): number {
    const now = this.clock.now();
    if (now - this.lastFailure > this.resetAfterMs) this.delay = 0;
    this.lastFailure = now;
    this.delay = this.delay === 0 ? this.initialMs : Math.min(this.maxMs, this.delay * this.factor);
    return this.delay + this.delay * this.jitter * this.random();
  }

  reset(): void {
    this.delay = 0;
  }
}
