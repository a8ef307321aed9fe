/**
 * A shared informer (client-go reflector + indexer + event distribution): lists a
 * resource (in pages), then watches from the list's resourceVersion with bookmarks,
 * resuming from the last resourceVersion seen whenever the watch ends, and relisting
 * when the server answers 410 Gone. The local cache is kept in step and handlers hear
 * of every add, update (with the old object) and delete. Deletions noticed only by a
 * relist arrive as tombstones (DeletedFinalStateUnknown) carrying the last state known.
 */
import type { KubeObject } from '../api/object.js';
import type { ObjectLike } from './object.js';
import { realClock, type Clock } from '../util/clock.js';
import { createLogger, type Logger } from '../util/logger.js';
import { abortable } from './abortable.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { Client } from './client.js';
import { Indexer, type IndexFunc } from './indexer.js';
import { objectKey } from './keys.js';
import { Lister } from './lister.js';
import { apiVersionOfType, kindOf, typeName, type ResourceType } from './resource.js';
import { isResourceExpired } from './status-error.js';
import type { WatchStream } from './transport.js';

/** An object deleted while the informer was not watching: its key and last known state. */
export interface DeletedFinalStateUnknown<T> {
  tombstone: true;
  key: string;
  obj: T;
}

export function isTombstone<T>(value: T | DeletedFinalStateUnknown<T>): value is DeletedFinalStateUnknown<T> {
  return typeof value === 'object' && value !== null && (value as { tombstone?: unknown }).tombstone === true;
}

/** The object behind a delete notification, tombstone or not. */
export function deletedObject<T>(value: T | DeletedFinalStateUnknown<T>): T {
  return isTombstone(value) ? value.obj : value;
}

export interface EventHandler<T> {
  /** `isInInitialList`: the object came from the first list (or a replay to a late handler). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
  /** List page size (kubectl and client-go use 500). */
  pageSize?: number;
  clock?: Clock;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** Server-side watch timeout; client-go picks 5–10 min at random so reconnects spread. */
  watchTimeoutSeconds?: () => number;
}

/** A watch that ends this fast without events counts as a failure and is backed off. */
const SHORT_WATCH_MS = 1000;

export class SharedInformer<T extends ObjectLike = KubeObject> {
  readonly indexer: Indexer<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly stopController = new AbortController();
  private readonly syncWaiters: ((synced: boolean) => void)[] = [];
  private resourceVersion: string | undefined;
  private synced = false;
  private running: Promise<void> | undefined;
  private watch: WatchStream<T> | undefined;

  constructor(
    private readonly client: Client,
    readonly type: ResourceType,
    private readonly options: InformerOptions<NoInfer<T>> = {},
  ) {
    this.indexer = new Indexer<T>(options.indexers ?? {});
    this.clock = options.clock ?? realClock;
    this.logger = (options.logger ?? createLogger('informer')).child({ resource: typeName(type) });
    this.backoff = new Backoff({ clock: this.clock, ...options.backoff });
  }

  /** Adds a handler; if the informer already has objects, the handler hears of each as an add. */
  addEventHandler(handler: EventHandler<T>): { remove(): void } {
    this.handlers.add(handler);
    if (this.running) for (const obj of this.indexer.list()) this.notify(handler, (h) => h.onAdd?.(obj, true));
    return { remove: () => void this.handlers.delete(handler) };
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.indexer.addIndexers(indexers);
  }

  lister(): Lister<T> {
    return new Lister(this.indexer);
  }

  get lastSyncResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  /** Starts listing and watching (once). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.run();
  }

  /** True once the first list is in the cache and its adds delivered. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if the informer stops (or `signal` aborts) first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (synced: boolean) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      const onAbort = () => {
        const i = this.syncWaiters.indexOf(waiter);
        if (i >= 0) this.syncWaiters.splice(i, 1);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopController.abort();
      this.watch?.close();
      for (const resolve of this.syncWaiters.splice(0)) resolve(false);
    }
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.listAndReplace(signal);
        const { events, ms } = await this.watchOnce();
        if (events > 0) this.backoff.reset();
        if (events === 0 && ms < SHORT_WATCH_MS && !signal.aborted) {
          await this.clock.sleep(this.backoff.next(), signal);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isResourceExpired(err)) {
          this.logger.info({ resourceVersion: this.resourceVersion, err: String(err) }, 'resourceVersion too old; relisting');
          this.resourceVersion = undefined;
          continue;
        }
        const delay = this.backoff.next();
        this.logger.warn({ err: String(err), retryInMs: Math.round(delay) }, 'list/watch failed');
        await this.clock.sleep(delay, signal);
      }
    }
  }

  private async list(signal: AbortSignal, pageSize: number | undefined): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    const kind = kindOf(this.type);
    const apiVersion = apiVersionOfType(this.type);
    do {
      const page = await abortable(
        this.client.list<T>(this.type, {
          namespace: this.options.namespace,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
          limit: pageSize,
          continue: continueToken,
        }),
        signal,
      );
      // List items may leave out kind and apiVersion; cached objects always carry them.
      for (const item of page.items) items.push(item.kind ? item : ({ ...item, kind, apiVersion } as T));
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion ?? '';
    } while (continueToken);
    return { items, resourceVersion };
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    let result;
    try {
      result = await this.list(signal, this.options.pageSize ?? 500);
    } catch (err) {
      // A continue token that expired mid-list: take the whole list in one go instead.
      if (!isResourceExpired(err)) throw err;
      result = await this.list(signal, undefined);
    }
    if (signal.aborted) return;
    this.replace(result.items);
    this.resourceVersion = result.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve(true);
    }
  }

  /** Makes the cache equal to a fresh list, telling handlers what changed. */
  private replace(items: T[]): void {
    const initial = !this.synced;
    const previous = new Map(this.indexer.listKeys().map((k) => [k, this.indexer.get(k)!]));
    this.indexer.replace(items);
    for (const [key, old] of previous) {
      if (!this.indexer.has(key)) this.emit((h) => h.onDelete?.({ tombstone: true, key, obj: old }));
    }
    for (const obj of items) {
      const old = previous.get(objectKey(obj));
      if (!old) this.emit((h) => h.onAdd?.(obj, initial));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
    }
  }

  private async watchOnce(): Promise<{ events: number; ms: number }> {
    const started = this.clock.now();
    const timeout = this.options.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
    const stream = this.client.watch<T>(this.type, {
      namespace: this.options.namespace,
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: timeout,
    });
    this.watch = stream;
    let events = 0;
    try {
      if (this.stopped) return { events, ms: 0 };
      for await (const event of stream) {
        if (this.stopped) break;
        events++;
        const obj = event.object;
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED': {
            const old = this.indexer.set(obj);
            if (old) this.emit((h) => h.onUpdate?.(old, obj));
            else this.emit((h) => h.onAdd?.(obj, false));
            break;
          }
          case 'DELETED': {
            this.indexer.delete(objectKey(obj));
            this.emit((h) => h.onDelete?.(obj));
            break;
          }
        }
        const rv = obj.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
      }
    } finally {
      stream.close();
      this.watch = undefined;
    }
    return { events, ms: this.clock.now() - started };
  }

  private emit(call: (h: EventHandler<T>) => void): void {
    for (const handler of this.handlers) this.notify(handler, call);
  }

  private notify(handler: EventHandler<T>, call: (h: EventHandler<T>) => void): void {
    try {
      call(handler);
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 'event handler failed');
    }
  }
}
