/**
 * The bounded buffer between a driver that produces watch events and a consumer that
 * iterates them. Producers never wait: when the consumer has fallen more than
 * `maxBufferedEvents` behind, the stream is failed with WatchOverflow (after handing
 * over the oldest events up to that bound, which are contiguous), so a slow consumer can
 * never stall writers or other watchers, and memory stays bounded.
 *
 * "Behind" is judged at the end of a turn of the event loop, not at each push: the
 * consumer runs only between turns, and one turn can push many batches at once (one
 * socket read from etcd carries many watch responses), so a consumer that reads as fast
 * as it can would otherwise be cut off by a burst it never had the chance to take.
 *
 * A driver may also give a `replay` function that yields history pages before live
 * events; it is pulled on demand, so replaying a long history never loads it at once.
 */
import type { WatchEvent, WatchProgress, WatchStream } from './backend.js';
import { StorageError } from './errors.js';

export type ReplayPage = () => WatchEvent[] | null | Promise<WatchEvent[] | null>;

export interface WatchQueueOptions {
  maxBufferedEvents: number;
  /** History to deliver before any pushed event; returns null when exhausted. */
  replay?: ReplayPage;
  /** Called once when the stream ends for any reason (close, failure, overflow). */
  onEnd?: () => void;
  /**
   * For `progress()`: a revision at or above every acknowledged write, at or below which
   * the driver has pushed every live event of this queue. Drivers that cannot say leave it out.
   */
  pushedThrough?: () => number;
}

export const DEFAULT_MAX_BUFFERED_EVENTS = 10_000;

export class WatchQueue implements WatchStream {
  private batches: WatchEvent[][] = [];
  private buffered = 0;
  private failure: StorageError | undefined;
  private ended = false;
  private replay: ReplayPage | undefined;
  /** A consumer's pending next() while nothing is buffered: settled directly by push, fail or close. */
  private waiter: { resolve: (r: IteratorResult<WatchEvent[]>) => void; reject: (err: unknown) => void } | undefined;
  /** Revision of the last event handed to the consumer or queued; used in overflow messages. */
  private lastRevision = 0;
  /** Set while a check for overflow waits for the end of the turn. */
  private overflowCheck = false;

  constructor(private readonly options: WatchQueueOptions) {
    this.replay = options.replay;
  }

  /** Appends a batch of live events; never blocks. */
  push(events: WatchEvent[]): void {
    if (this.ended || this.failure || events.length === 0) return;
    this.batches.push(events);
    this.buffered += events.length;
    this.lastRevision = events[events.length - 1]!.revision;
    this.notify();
    if (this.buffered > this.options.maxBufferedEvents && !this.overflowCheck) {
      this.overflowCheck = true;
      setImmediate(() => {
        this.overflowCheck = false;
        if (this.buffered > this.options.maxBufferedEvents) this.overflow();
      });
    }
  }

  /** Still too far behind after a turn: keep the oldest events within the bound, then fail. */
  private overflow(): void {
    if (this.ended || this.failure) return;
    let keptEvents = 0;
    let keptBatches = 0;
    while (keptBatches < this.batches.length && keptEvents + this.batches[keptBatches]!.length <= this.options.maxBufferedEvents) {
      keptEvents += this.batches[keptBatches++]!.length;
    }
    this.batches.length = keptBatches;
    this.buffered = keptEvents;
    const last = this.batches[keptBatches - 1];
    if (last) this.lastRevision = last[last.length - 1]!.revision;
    this.fail(
      new StorageError('WatchOverflow', `watch consumer fell more than ${this.options.maxBufferedEvents} events behind; resume from the last revision received`),
    );
  }

  /** Ends the stream with an error, after the consumer has drained what is buffered. */
  fail(error: StorageError): void {
    if (this.ended || this.failure) return;
    this.failure = error;
    this.finish();
    this.notify();
  }

  /** Consumer side: stop the stream quietly. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.dropBuffered();
    this.finish();
    this.notify();
  }

  get isEnded(): boolean {
    return this.ended || this.failure !== undefined;
  }

  get lastQueuedRevision(): number {
    return this.lastRevision;
  }

  /** See WatchStream.progress: undefined while history is still to be replayed, after the end, or when the driver cannot say. */
  progress(): Promise<WatchProgress | undefined> {
    const pushedThrough = this.options.pushedThrough;
    if (!pushedThrough || this.replay || this.isEnded) return Promise.resolve(undefined);
    return Promise.resolve({ revision: pushedThrough(), lastQueued: this.lastRevision });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent[]> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Not an async function: a batch pushed while the consumer waits settles its promise
   * at once (see notify). With a thousand watchers on one commit, the fewer promise hops
   * per delivery are most of the fan-out time.
   */
  private next(): Promise<IteratorResult<WatchEvent[]>> {
    if (this.replay && !this.ended) return this.nextReplayed();
    const now = this.takeNow();
    if (now instanceof StorageError) return Promise.reject(now);
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Replayed history first: live events come after it, never with a gap. */
  private async nextReplayed(): Promise<IteratorResult<WatchEvent[]>> {
    while (this.replay && !this.ended) {
      if (this.failure) this.dropBuffered();
      else {
        const page = await this.pullReplay();
        if (page) return { done: false, value: page };
      }
    }
    return this.next();
  }

  /**
   * What the consumer can have without waiting: the end, the next batch, or the failure
   * (which ends the stream); undefined when it must wait.
   */
  private takeNow(): IteratorResult<WatchEvent[]> | StorageError | undefined {
    if (this.ended) return { done: true, value: undefined };
    const batch = this.batches.shift();
    if (batch) {
      this.buffered -= batch.length;
      return { done: false, value: batch };
    }
    if (this.failure) {
      this.ended = true;
      return this.failure;
    }
    return undefined;
  }

  private async pullReplay(): Promise<WatchEvent[] | null> {
    try {
      const page = await this.replay!();
      if (page === null) this.replay = undefined;
      return page && page.length > 0 ? page : null;
    } catch (err) {
      this.replay = undefined;
      this.dropBuffered();
      this.fail(err instanceof StorageError ? err : new StorageError('Unavailable', String(err), {}, { cause: err }));
      return null;
    }
  }

  private dropBuffered(): void {
    this.replay = undefined;
    this.batches = [];
    this.buffered = 0;
  }

  /** Settles the pending next() of a consumer that waits, if it can have something now. */
  private notify(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const now = this.takeNow();
    if (now === undefined) return;
    this.waiter = undefined;
    if (now instanceof StorageError) waiter.reject(now);
    else waiter.resolve(now);
  }

  private finish(): void {
    const onEnd = this.options.onEnd;
    this.options.onEnd = undefined;
    onEnd?.();
  }
}
