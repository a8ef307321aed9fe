/**
 * The watch cache of one resource (upstream's cacher): one storage watch feeds every
 * watcher of the resource, so thousands of watchers cost one storage stream. It keeps
 * the current objects (for the synthetic ADDED events of a watch from "now") and a
 * window of recent events (to resume watches from a recent resourceVersion). A watch
 * from further back than the window is served straight from storage history, and one
 * from before compaction is 410 Gone.
 *
 * It also answers whole LISTs from memory (upstream's consistent reads from the cache):
 * the stored bytes of each object are kept beside the decoded object, so a LIST is the
 * stored bytes in key order, without reading storage.
 */
import { gone, serviceUnavailable } from '../api/errors.js';
import type { StoredObject } from '../api/object.js';
import type { Backend, KeyValue, WatchEvent, WatchStream } from '../storage/backend.js';
import { isStorageError } from '../storage/errors.js';
import { AsyncQueue, QueueOverflowError } from '../util/async-queue.js';
import type { Logger } from '../util/logger.js';
import type { ObjectFilter } from './registry/filter.js';
import { KeyOrder } from './key-order.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectEvent {
  type: WatchEventType;
  object: StoredObject;
  revision: number;
}

interface CachedEvent extends ObjectEvent {
  key: string;
  /** The object before this change, to tell watchers with selectors about transitions. */
  prev: StoredObject | undefined;
}

export interface CacheWatchOptions {
  /** Storage prefix narrowing the watch (a namespace). */
  prefix: string;
  filter: ObjectFilter;
  /** undefined: synthetic ADDED for current objects first, then changes. */
  fromRevision: number | undefined;
}

export type CacheWatch = AsyncQueue<ObjectEvent>;

interface Watcher {
  options: CacheWatchOptions;
  queue: CacheWatch;
}

/** An object as the cache holds it: decoded, and as stored (for serving it without serializing). */
export interface CachedObject {
  object: StoredObject;
  stored: Pick<KeyValue, 'value' | 'modRevision'>;
}

/** A LIST from the cache: objects in key order, as of `revision`. */
export interface CachedList {
  revision: number;
  items: CachedObject[];
}

export interface WatchCacheSource {
  prefix: string;
  decode(kv: { value: Uint8Array; modRevision: number }): StoredObject;
}

const WINDOW_EVENTS = 10_000;
const WATCHER_CAPACITY = 10_000;
/** How long a consistent LIST waits for the cache to catch up before reading storage instead (upstream: 3 s). */
const FRESHNESS_WAIT_MS = 3_000;

export class WatchCache {
  private readonly objects = new Map<string, CachedObject>();
  private readonly keyOrder = new KeyOrder(this.objects);
  /** Consistent LISTs waiting for the cache to have applied an event: its revision. */
  private appliedWaiters: { revision: number; done: (applied: boolean) => void }[] = [];
  private window: CachedEvent[] = [];
  /** Events above this revision are all in the window. */
  private windowStart = 0;
  private revision = 0;
  private readonly watchers = new Set<Watcher>();
  private started: Promise<void> | undefined;
  private stream: WatchStream | undefined;
  private stopped = false;

  constructor(
    private readonly storage: Backend,
    private readonly source: WatchCacheSource,
    private readonly logger: Logger,
  ) {}

  get currentRevision(): number {
    return this.revision;
  }

  /** Loads the current state and starts following storage (once; lazily on first watch). */
  start(): Promise<void> {
    this.started ??= this.load();
    return this.started;
  }

  private async load(): Promise<void> {
    const items: { key: string; value: Uint8Array; modRevision: number }[] = [];
    let startAfterKey: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await this.storage.list(this.source.prefix, { limit: 1000, startAfterKey, atRevision: revision });
      revision = page.revision;
      items.push(...page.items);
      if (!page.more) break;
      startAfterKey = page.items[page.items.length - 1]!.key;
    }
    this.objects.clear();
    for (const kv of items) this.objects.set(kv.key, { object: this.source.decode(kv), stored: kv });
    this.keyOrder.changed();
    this.revision = revision!;
    this.windowStart = revision!;
    this.window = [];
    this.follow(revision!);
  }

  private follow(fromRevision: number): void {
    const stream = this.storage.watch(this.source.prefix, fromRevision);
    this.stream = stream;
    void (async () => {
      try {
        for await (const batch of stream) this.apply(batch);
      } catch (err) {
        this.releaseWaiters(false);
        if (this.stopped) return;
        this.logger.warn({ prefix: this.source.prefix, err: String(err) }, 'watch cache lost its storage watch; reloading');
        // Resume where we were; if that history is gone, reload the whole state.
        if (isStorageError(err, 'Compacted')) {
          for (const w of this.watchers) w.queue.fail(gone('the watch cache was reset; resume with a fresh list'));
          this.watchers.clear();
          this.started = this.load();
        } else {
          setTimeout(() => !this.stopped && this.follow(this.revision), 100).unref();
        }
      }
    })();
  }

  private apply(batch: WatchEvent[]): void {
    for (const e of batch) {
      const prev = this.objects.get(e.key)?.object;
      let event: CachedEvent;
      if (e.type === 'PUT') {
        const stored = { value: e.value, modRevision: e.revision };
        const object = this.source.decode(stored);
        this.objects.set(e.key, { object, stored });
        if (!prev) this.keyOrder.changed();
        event = { type: prev ? 'MODIFIED' : 'ADDED', object, prev, revision: e.revision, key: e.key };
      } else {
        const object = prev ? { ...prev, metadata: { ...prev.metadata, resourceVersion: String(e.revision) } } : this.source.decode({ value: e.prevValue, modRevision: e.revision });
        if (this.objects.delete(e.key)) this.keyOrder.changed();
        event = { type: 'DELETED', object, prev, revision: e.revision, key: e.key };
      }
      this.revision = e.revision;
      this.window.push(event);
      for (const w of this.watchers) this.deliver(w, event);
    }
    if (this.appliedWaiters.length > 0) this.releaseWaiters(true);
    if (this.window.length > WINDOW_EVENTS) {
      const drop = this.window.length - WINDOW_EVENTS;
      this.windowStart = this.window[drop - 1]!.revision;
      this.window = this.window.slice(drop);
    }
  }

  /** Tells one watcher about one change, as seen through its selector. */
  private deliver(w: Watcher, e: CachedEvent): void {
    const { prefix, filter } = w.options;
    if (!e.key.startsWith(prefix)) return;
    const now = e.type !== 'DELETED' && filter(e.object);
    const before = e.prev !== undefined && filter(e.prev);
    if (e.type === 'DELETED') {
      if (before || (e.prev === undefined && filter(e.object))) w.queue.push({ type: 'DELETED', object: e.object, revision: e.revision });
    } else if (now && before) w.queue.push({ type: 'MODIFIED', object: e.object, revision: e.revision });
    else if (now) w.queue.push({ type: 'ADDED', object: e.object, revision: e.revision });
    else if (before) {
      // It left the selection: to this watcher it is gone.
      w.queue.push({ type: 'DELETED', object: e.object, revision: e.revision });
    }
  }

  async watch(options: CacheWatchOptions): Promise<CacheWatch> {
    if (this.stopped) throw serviceUnavailable('the watch cache is stopped: the API server is shutting down');
    await this.start();
    const from = options.fromRevision;
    if (from !== undefined && from < this.windowStart) return this.watchFromStorage(options, from);
    const watcher: Watcher = {
      options,
      queue: new AsyncQueue<ObjectEvent>(WATCHER_CAPACITY + this.objects.size, () => this.watchers.delete(watcher)),
    };
    if (from === undefined) {
      for (const [key, { object }] of this.objects) {
        if (key.startsWith(options.prefix) && options.filter(object)) {
          watcher.queue.push({ type: 'ADDED', object, revision: Number(object.metadata.resourceVersion) });
        }
      }
    } else {
      for (const e of this.window) if (e.revision > from) this.deliver(watcher, e);
    }
    this.watchers.add(watcher);
    return watcher.queue;
  }

  /**
   * A watch older than the window replays storage history (or gets 410 if compacted)
   * up to what the cache holds, then joins the cache: live events are then the shared
   * objects every other watcher gets (decoded and serialized once), not a storage watch
   * and a decode per watcher.
   */
  private async watchFromStorage(options: CacheWatchOptions, from: number): Promise<CacheWatch> {
    const compactedAt = await this.storage.compactRevision();
    if (from < compactedAt) throw gone(`too old resource version: ${from} (${compactedAt})`);
    const stream = this.storage.watch(options.prefix, from);
    let joined = false;
    const queue: CacheWatch = new AsyncQueue<ObjectEvent>(WATCHER_CAPACITY, () => {
      stream.close();
      this.watchers.delete(watcher);
    });
    const watcher: Watcher = { options, queue };
    // History up to here comes from storage; the window holds everything after it.
    let until = this.revision;
    const seen = new Map<string, StoredObject>();
    void (async () => {
      try {
        for await (const batch of stream) {
          for (const e of batch) {
            if (e.revision > until) {
              if (this.windowStart <= until && !this.stopped) {
                // Join: the cache has every event after `until` (this one perhaps not yet).
                joined = true;
                stream.close();
                for (const w of this.window) if (w.revision > until) this.deliver(watcher, w);
                this.watchers.add(watcher);
                return;
              }
              // The window moved past `until` meanwhile: keep reading storage for longer.
              until = this.revision;
            }
            const prevObj = e.prevValue ? this.source.decode({ value: e.prevValue, modRevision: e.revision }) : seen.get(e.key);
            const object = e.type === 'PUT' ? this.source.decode({ value: e.value, modRevision: e.revision }) : prevObj!;
            if (e.type === 'PUT') seen.set(e.key, object);
            else seen.delete(e.key);
            this.deliver(watcher, {
              type: e.type === 'DELETE' ? 'DELETED' : e.prevValue ? 'MODIFIED' : 'ADDED',
              object,
              prev: prevObj,
              revision: e.revision,
              key: e.key,
            });
          }
        }
      } catch (err) {
        if (joined) return;
        queue.fail(isStorageError(err, 'Compacted') ? gone(`too old resource version: ${from}`) : (err as Error));
      }
    })();
    return queue;
  }

  /**
   * Every object under `prefix` in key order, from memory, as of one revision.
   * `consistent`: the list must hold every write acknowledged before the call (a LIST
   * without resourceVersion); the storage watch's progress tells up to which revision the
   * cache has been handed every change, and the LIST waits until the cache has applied
   * them. Undefined when that cannot be shown (a driver that cannot tell a watch's
   * progress, history still replaying, a lost storage watch, the wait too long): the
   * caller reads storage instead. Otherwise (resourceVersion "0") any state the cache
   * has is an answer, as upstream's.
   */
  async list(prefix: string, consistent: boolean): Promise<CachedList | undefined> {
    if (this.stopped) return undefined;
    try {
      await this.start();
    } catch {
      return undefined;
    }
    let revision = this.revision;
    if (consistent) {
      const stream = this.stream;
      const progress = await stream?.progress?.();
      if (!progress || stream !== this.stream) return undefined;
      if (!(await this.appliedThrough(progress.lastQueued)) || stream !== this.stream) return undefined;
      // Nothing under the prefix changed between the last applied event and progress.revision.
      revision = Math.max(progress.revision, this.revision);
    }
    return { revision, items: this.keyOrder.range(prefix).map((key) => this.objects.get(key)!) };
  }

  /** Resolves true once the cache has applied every event up to `revision`; false if its storage watch is lost or the wait is too long. */
  private appliedThrough(revision: number): Promise<boolean> {
    if (this.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.appliedWaiters = this.appliedWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, FRESHNESS_WAIT_MS);
      const waiter = {
        revision,
        done: (applied: boolean) => {
          clearTimeout(timer);
          resolve(applied);
        },
      };
      this.appliedWaiters.push(waiter);
    });
  }

  /** After an applied batch (those now reached) or a lost storage watch (all, as not applied). */
  private releaseWaiters(applied: boolean): void {
    const waiting = this.appliedWaiters;
    this.appliedWaiters = applied ? waiting.filter((w) => w.revision > this.revision) : [];
    for (const w of waiting) if (!applied || w.revision <= this.revision) w.done(applied);
  }

  stop(): void {
    this.stopped = true;
    this.releaseWaiters(false);
    this.stream?.close();
    for (const w of this.watchers) w.queue.end();
    this.watchers.clear();
  }
}

export { QueueOverflowError };
