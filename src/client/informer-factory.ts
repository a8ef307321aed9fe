/**
 * One informer per resource (and namespace/selector) for a whole component, as client-go's
 * SharedInformerFactory: every controller asking for pods shares one list, one watch and
 * one cache. `start()` starts what was asked for so far; call it again after asking for more.
 */
import type { KubeObject } from '../api/object.js';
import type { ObjectLike } from './object.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Client } from './client.js';
import type { IndexFunc } from './indexer.js';
import type { Lister } from './lister.js';
import { SharedInformer, type InformerOptions } from './informer.js';
import { typeName, type ResourceType } from './resource.js';

export interface InformerFactoryOptions {
  /** Watch only this namespace (all when empty). */
  namespace?: string;
  clock?: Clock;
  logger?: Logger;
  pageSize?: number;
}

export interface InformerSelection<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  indexers?: Record<string, IndexFunc<T>>;
}

export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly options: InformerFactoryOptions = {},
  ) {}

  /** The shared informer for the type (created on first use); extra indexers are added to it. */
  informerFor<T extends ObjectLike = KubeObject>(type: ResourceType, selection: InformerSelection<NoInfer<T>> = {}): SharedInformer<T> {
    const namespace = selection.namespace ?? this.options.namespace ?? '';
    const key = [typeName(type), namespace, selection.labelSelector ?? '', selection.fieldSelector ?? ''].join('|');
    let informer = this.informers.get(key) as SharedInformer<T> | undefined;
    if (!informer) {
      const options: InformerOptions<T> = { namespace, labelSelector: selection.labelSelector, fieldSelector: selection.fieldSelector, indexers: selection.indexers };
      if (this.options.clock) options.clock = this.options.clock;
      if (this.options.logger) options.logger = this.options.logger;
      if (this.options.pageSize) options.pageSize = this.options.pageSize;
      informer = new SharedInformer<T>(this.client, type, options);
      this.informers.set(key, informer as unknown as SharedInformer<KubeObject>);
    } else if (selection.indexers) {
      const missing = Object.entries(selection.indexers).filter(([name]) => !informer!.indexer.hasIndex(name));
      if (missing.length) informer.addIndexers(Object.fromEntries(missing));
    }
    return informer;
  }

  lister<T extends ObjectLike = KubeObject>(type: ResourceType): Lister<T> {
    return this.informerFor<T>(type).lister();
  }

  /** Starts every informer asked for so far that is not running yet. */
  start(): void {
    if (this.stopped) return;
    for (const informer of this.informers.values()) informer.start();
  }

  /** Resolves true once every started informer has synced; false if one stopped first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
