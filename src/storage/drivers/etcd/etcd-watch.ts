/**
 * One etcd watch stream feeding one WatchQueue: history replayed on demand, live events
 * pushed, and the stream resumed by itself after a lost connection from the last
 * revision delivered, so no event is lost or repeated.
 */
import type { Etcd3, IWatchResponse } from 'etcd3';
import type { WatchEvent } from '../../backend.js';
import { StorageError, compacted } from '../../errors.js';
import { WatchQueue } from '../../watch-queue.js';
import type { Logger } from '../../../util/logger.js';
import { messageOf, prefixRange, toWatchEvent, type WatchGrpcStream } from './etcd-codec.js';

const WATCH_RETRY_MIN_MS = 100;
const WATCH_RETRY_MAX_MS = 2_000;

/** Ends a watch stream without counting it as a failure of the etcd member. */
export function closeStream(stream: WatchGrpcStream): void {
  try {
    // end() first: the library marks a member failed only for errors on a still
    // writable stream, and cancel() then reports CANCELLED on an ended one.
    stream.end();
    stream.cancel();
  } catch {
    // The stream is already torn down.
  }
}

/** What a watch needs from its backend. */
export interface WatchHost {
  readonly client: Etcd3;
  readonly logger: Logger;
  readonly where: string;
  readonly resumeWindowMs: number;
  noteCompactRevision(revision: number): void;
  forget(watch: EtcdWatch): void;
}

/**
 * One etcd watch feeding one WatchQueue, the way the SQLite driver feeds it: history up
 * to the revision current when etcd registered the watch is handed over as `replay`
 * pages, pulled by the consumer (the gRPC stream is paused while too many wait, so a
 * long history never piles up in memory); later events are pushed live and count
 * against the queue's bound, so only a consumer that falls behind live writes overflows.
 *
 * The stream is opened at `delivered` (the last revision handed over, inclusive) and
 * events at or below it are dropped: etcd refuses a start below its compaction
 * revision, so a start or resume from a compacted revision fails with Compacted exactly
 * as in the SQLite driver, instead of silently missing deletes compacted at it.
 */
export class EtcdWatch {
  readonly queue: WatchQueue;
  private stream: WatchGrpcStream | undefined;
  private delivered: number;
  private ended = false;
  private disconnectedAt: number | undefined;
  private retryDelay = WATCH_RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  /** The revision etcd had when it first registered the watch: the end of history. */
  private replayUntil: number | undefined;
  private replayDone = false;
  private replayPages: WatchEvent[][] = [];
  private replayEvents = 0;
  private replayWaiter: ((page: WatchEvent[] | null) => void) | undefined;
  private paused = false;

  constructor(
    private readonly host: WatchHost,
    private readonly prefix: string,
    fromRevision: number,
    private readonly maxBufferedEvents: number,
  ) {
    this.delivered = fromRevision;
    this.queue = new WatchQueue({ maxBufferedEvents, onEnd: () => this.stop(), replay: () => this.pullReplay() });
  }

  start(): void {
    if (this.ended) return;
    this.host.client.watchClient.watch().then(
      (stream) => this.attach(stream),
      (err: unknown) => this.lost(undefined, err),
    );
  }

  fail(err: StorageError): void {
    this.queue.fail(err);
  }

  private attach(stream: WatchGrpcStream): void {
    if (this.ended) {
      closeStream(stream);
      return;
    }
    this.stream = stream;
    this.paused = false;
    stream.on('data', (res) => this.onResponse(stream, res));
    stream.on('error', (err) => this.lost(stream, err));
    stream.on('end', () => this.lost(stream, new Error('the server ended the watch stream')));
    try {
      stream.write({
        create_request: {
          ...prefixRange(this.prefix),
          // Revision 0 would mean "from now"; 1 is the beginning of history.
          start_revision: Math.max(this.delivered, 1),
          prev_kv: true,
        },
      });
    } catch (err) {
      this.lost(stream, err);
      return;
    }
    this.throttle();
  }

  private onResponse(stream: WatchGrpcStream, res: IWatchResponse): void {
    if (stream !== this.stream || this.ended) return;
    const compactRevision = Number(res.compact_revision ?? 0);
    if (compactRevision > 0) {
      this.host.noteCompactRevision(compactRevision);
      this.fail(compacted(this.delivered, compactRevision));
      return;
    }
    if (res.canceled) {
      this.fail(
        new StorageError('Unavailable', `etcd at ${this.host.where} canceled the watch on ${JSON.stringify(this.prefix)}: ${res.cancel_reason || 'no reason given'}`),
      );
      return;
    }
    if (res.created) {
      this.disconnectedAt = undefined;
      this.retryDelay = WATCH_RETRY_MIN_MS;
      if (this.replayUntil === undefined) {
        this.replayUntil = Number(res.header.revision);
        if (this.delivered >= this.replayUntil) this.endReplay();
      }
      return;
    }
    const events: WatchEvent[] = [];
    for (const ev of res.events ?? []) {
      const event = toWatchEvent(ev);
      if (event.revision > this.delivered) events.push(event);
    }
    if (events.length > 0) this.deliver(events);
  }

  private deliver(events: WatchEvent[]): void {
    this.delivered = events[events.length - 1]!.revision;
    if (this.replayDone) {
      this.queue.push(events);
      return;
    }
    const waiter = this.replayWaiter;
    this.replayWaiter = undefined;
    if (waiter) waiter(events);
    else {
      this.replayPages.push(events);
      this.replayEvents += events.length;
    }
    if (this.replayUntil !== undefined && this.delivered >= this.replayUntil) this.endReplay();
    this.throttle();
  }

  /** The queue's replay source: buffered history first, then wait for more of it. */
  private pullReplay(): WatchEvent[] | null | Promise<WatchEvent[] | null> {
    const page = this.replayPages.shift();
    if (page) {
      this.replayEvents -= page.length;
      this.throttle();
      return page;
    }
    if (this.replayDone || this.ended) return null;
    return new Promise((resolve) => (this.replayWaiter = resolve));
  }

  /** History is complete: later events go to the queue as live pushes. */
  private endReplay(): void {
    this.replayDone = true;
    const waiter = this.replayWaiter;
    this.replayWaiter = undefined;
    waiter?.(null);
  }

  /** gRPC flow control holds etcd back while the consumer has not pulled enough history. */
  private throttle(): void {
    const stream = this.stream;
    const full = this.replayEvents >= this.maxBufferedEvents;
    if (!stream || full === this.paused) return;
    this.paused = full;
    // The library's stream type omits them, but it is a Node Duplex (grpc-js ClientDuplexStream).
    const readable = stream as unknown as { pause(): void; resume(): void };
    if (full) readable.pause();
    else readable.resume();
  }

  private lost(stream: WatchGrpcStream | undefined, err: unknown): void {
    if (this.ended || stream !== this.stream) return;
    this.stream = undefined;
    if (stream) closeStream(stream);
    const now = Date.now();
    this.disconnectedAt ??= now;
    if (now - this.disconnectedAt >= this.host.resumeWindowMs) {
      this.fail(
        new StorageError(
          'Unavailable',
          `watch on ${JSON.stringify(this.prefix)} lost etcd at ${this.host.where} and could not resume within ${this.host.resumeWindowMs} ms: ${messageOf(err)}`,
          {},
          { cause: err },
        ),
      );
      return;
    }
    this.host.logger.warn({ prefix: this.prefix, resumeAfter: this.delivered, err: messageOf(err) }, 'etcd watch stream lost; resuming');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start();
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, WATCH_RETRY_MAX_MS);
  }

  /** Runs once when the queue ends for any reason: consumer close, overflow, failure. */
  private stop(): void {
    this.ended = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.stream) closeStream(this.stream);
    this.stream = undefined;
    this.replayPages = [];
    this.replayEvents = 0;
    // A consumer waiting for history is released; the queue then reports its end.
    const waiter = this.replayWaiter;
    this.replayWaiter = undefined;
    waiter?.(null);
    this.host.forget(this);
  }
}

