/**
 * What admission plugins read other kinds from (PriorityClasses, LimitRanges,
 * ResourceQuotas, StorageClasses) without a storage LIST per request: a map kept
 * current by a watch on the resource's WatchCache, as upstream's plugins read informer
 * listers. A write this API server made and the watch has not delivered yet (a class
 * created just before the pod naming it) makes reads go to storage until the watch
 * catches up, so a client always sees its own writes honoured.
 */
import type { StoredObject } from '../../api/object.js';
import type { Logger } from '../../util/logger.js';
import type { StoreHooks } from '../registry/store-hooks.js';
import { everything } from '../registry/filter.js';
import type { WatchCache } from '../watch-cache.js';

export interface MirrorSource {
  cache: WatchCache;
  /** Storage prefix of the resource (all namespaces). */
  prefix: string;
  /** A read straight from storage, for when the mirror is behind or not running. */
  live(namespace: string): Promise<StoredObject[]>;
}

export class ObjectMirror {
  private readonly objects = new Map<string, StoredObject>();
  private started: Promise<boolean> | undefined;
  private seenRevision = 0;
  /** The newest revision this server wrote; reads go live until the watch has seen it. */
  private wroteRevision = 0;

  constructor(
    private readonly source: () => MirrorSource,
    private readonly logger: Logger,
  ) {}

  /** Hooks for the mirrored kind's own store, to note writes made through this server. */
  writeTracker(): StoreHooks {
    const note = async (obj: StoredObject) => this.noteWrite(Number(obj.metadata.resourceVersion ?? 0));
    return { afterCreate: note, afterUpdate: note, afterDelete: note };
  }

  noteWrite(revision: number): void {
    if (revision > this.wroteRevision) this.wroteRevision = revision;
  }

  /** Objects in `namespace` ('' = all). */
  async list(namespace: string): Promise<StoredObject[]> {
    const running = await this.start();
    if (!running || this.seenRevision < this.wroteRevision) return this.source().live(namespace);
    const out: StoredObject[] = [];
    for (const o of this.objects.values()) if (!namespace || o.metadata.namespace === namespace) out.push(o);
    return out;
  }

  async get(namespace: string, name: string): Promise<StoredObject | undefined> {
    const running = await this.start();
    if (!running || this.seenRevision < this.wroteRevision) return (await this.source().live(namespace)).find((o) => o.metadata.name === name);
    return this.objects.get(`${namespace}/${name}`);
  }

  private start(): Promise<boolean> {
    this.started ??= this.follow();
    return this.started;
  }

  /** Subscribes to the watch cache; resolves once the current objects are in the map. */
  private async follow(): Promise<boolean> {
    const src = this.source();
    let queue;
    try {
      queue = await src.cache.watch({ prefix: src.prefix, filter: everything, fromRevision: undefined });
    } catch (err) {
      this.logger.warn({ prefix: src.prefix, err: String(err) }, 'admission mirror could not watch; reading storage');
      this.started = undefined;
      return false;
    }
    this.objects.clear();
    // The queue holds the state as of the cache's revision (read at the same instant).
    const initial = queue.size;
    const atRevision = src.cache.currentRevision;
    for (let i = 0; i < initial; i++) {
      const next = await queue.next();
      if (next.done) break;
      this.apply(next.value.type, next.value.object, next.value.revision);
    }
    this.seenRevision = Math.max(this.seenRevision, atRevision);
    void (async () => {
      try {
        for await (const e of queue) this.apply(e.type, e.object, e.revision);
      } catch (err) {
        this.logger.warn({ prefix: src.prefix, err: String(err) }, 'admission mirror lost its watch; resubscribing on next read');
      }
      // Ended (server stopping) or failed (cache reset): the next read subscribes again.
      this.started = undefined;
    })();
    return true;
  }

  private apply(type: string, object: StoredObject, revision: number): void {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
    if (type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, object);
    if (revision > this.seenRevision) this.seenRevision = revision;
  }
}
