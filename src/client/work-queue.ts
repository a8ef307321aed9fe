/**
 * The controller work queue (client-go workqueue: plain + delaying + rate limiting).
 * A key is queued at most once: adding it again while it waits changes nothing, and
 * adding it while a worker processes it marks it dirty, so it is queued again when the
 * worker calls `done` — never processed by two workers at once, never lost. Delays and
 * retries run on the injected clock.
 */
import { realClock, type Clock, type Timer } from '../util/clock.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';
import type { LiveQueueFigures, QueueStats } from './workqueue-metrics.js';

export interface WorkQueueOptions<T> {
  clock?: Clock;
  rateLimiter?: RateLimiter<T>;
}

export type Got<T> = { shutdown: false; item: T } | { shutdown: true };

export class WorkQueue<T = string> {
  private queue: T[] = [];
  private head = 0;
  /** Items that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiting = new Map<T, { readyAt: number; timer: Timer }>();
  private readonly getters: ((got: Got<T>) => void)[] = [];
  private readonly idle: (() => void)[] = [];
  private stopping = false;
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter<T>;
  /** Set once instrumented: when each waiting item was added, when each processed one was taken. */
  private stats: QueueStats | undefined;
  private readonly addedAt = new Map<T, number>();
  private readonly startedAt = new Map<T, number>();
  private readonly liveFigures = (): LiveQueueFigures => this.live();

  constructor(options: WorkQueueOptions<T> = {}) {
    this.clock = options.clock ?? realClock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<T>(this.clock);
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Items queued and not yet handed to a worker. */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Items waiting for a delay to pass. */
  waitingCount(): number {
    return this.waiting.size;
  }

  /** Records this queue's metrics into `stats` (client-go's named queue); undone by `uninstrument`. */
  instrument(stats: QueueStats): void {
    this.uninstrument();
    this.stats = stats;
    stats.sources.add(this.liveFigures);
  }

  uninstrument(): void {
    this.stats?.sources.delete(this.liveFigures);
    this.stats = undefined;
    this.addedAt.clear();
    this.startedAt.clear();
  }

  add(item: T): void {
    if (this.stopping || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.stats) {
      this.stats.adds++;
      if (!this.addedAt.has(item)) this.addedAt.set(item, this.clock.now());
    }
    if (this.processing.has(item)) return;
    this.handOut(item);
  }

  /** Adds the item once `delayMs` has passed; an earlier pending time for it wins. */
  addAfter(item: T, delayMs: number): void {
    if (this.stopping) return;
    if (delayMs <= 0) return this.add(item);
    const readyAt = this.clock.now() + delayMs;
    const existing = this.waiting.get(item);
    if (existing && existing.readyAt <= readyAt) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(delayMs, () => {
      this.waiting.delete(item);
      this.add(item);
    });
    this.waiting.set(item, { readyAt, timer });
  }

  /** Adds the item after the rate limiter's delay (one more failure for it). */
  addRateLimited(item: T): void {
    if (this.stats) this.stats.retries++;
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** The item succeeded: its backoff starts over. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** The next item, waiting for one; `shutdown` once shut down and empty. */
  get(): Promise<Got<T>> {
    if (this.len() > 0) return Promise.resolve({ shutdown: false, item: this.take() });
    if (this.stopping) return Promise.resolve({ shutdown: true });
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** The worker finished the item; if it was re-added meanwhile it is queued again. */
  done(item: T): void {
    if (this.stats) {
      const started = this.startedAt.get(item);
      if (started !== undefined) this.stats.workDuration.observe((this.clock.now() - started) / 1000);
      this.startedAt.delete(item);
    }
    this.processing.delete(item);
    if (this.dirty.has(item)) this.handOut(item);
    if (this.processing.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Stops taking items; waiting workers get `shutdown`, delayed items are dropped. */
  shutDown(): void {
    this.stopping = true;
    for (const { timer } of this.waiting.values()) timer.cancel();
    this.waiting.clear();
    for (const resolve of this.getters.splice(0)) resolve({ shutdown: true });
  }

  /** Shuts down and resolves once no item is being processed. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private handOut(item: T): void {
    const getter = this.getters.shift();
    if (getter) {
      this.dirty.delete(item);
      this.processing.add(item);
      this.taken(item);
      getter({ shutdown: false, item });
    } else this.queue.push(item);
  }

  private take(): T {
    const item = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(item);
    this.processing.add(item);
    this.taken(item);
    return item;
  }

  /** A worker took the item: its wait ends, its processing starts. */
  private taken(item: T): void {
    if (!this.stats) return;
    const now = this.clock.now();
    const added = this.addedAt.get(item);
    if (added !== undefined) this.stats.queueDuration.observe((now - added) / 1000);
    this.addedAt.delete(item);
    this.startedAt.set(item, now);
  }

  private live(): LiveQueueFigures {
    const now = this.clock.now();
    let unfinished = 0;
    let longest = 0;
    for (const started of this.startedAt.values()) {
      const seconds = (now - started) / 1000;
      unfinished += seconds;
      if (seconds > longest) longest = seconds;
    }
    return { depth: this.dirty.size, unfinishedSeconds: unfinished, longestSeconds: longest };
  }
}
