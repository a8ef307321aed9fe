/**
 * The set of served resources: for each entry of the resource table, its generic
 * store (with the kind's strategy) and its watch cache, built once at start-up.
 */
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { Backend } from '../../storage/backend.js';
import type { Logger } from '../../util/logger.js';
import { WatchCache } from '../watch-cache.js';
import { GenericStore } from './generic-store.js';
import { strategyFor } from './strategies.js';
import { ServiceAllocator } from './core/service-allocation.js';
import { ApiError } from '../../api/errors.js';
import { hpaV1ToV2, hpaV2ToV1 } from '../../api/conversion/hpa.js';
import type { VersionConversion } from './generic-store.js';
import { everything } from './filter.js';
import { priorityAdmission, type PriorityClassLike, type PriorityClassSource } from '../admission/priority.js';

export interface ServedResource {
  info: ResourceInfo;
  store: GenericStore;
  cache: WatchCache;
}

/** Served versions stored in another version. */
function conversionFor(info: ResourceInfo): VersionConversion | undefined {
  if (info.group === 'autoscaling' && info.kind === 'HorizontalPodAutoscaler') {
    // Stored as v2; objects an older Skiff stored through v1 are read as v2 too.
    return info.version === 'v1'
      ? { storageApiVersion: 'autoscaling/v2', toStorage: hpaV1ToV2, fromStorage: (o) => (o.apiVersion === 'autoscaling/v2' ? hpaV2ToV1(o) : o) }
      : { storageApiVersion: 'autoscaling/v2', toStorage: (o) => o, fromStorage: (o) => (o.apiVersion === 'autoscaling/v1' ? hpaV1ToV2(o) : o) };
  }
  return undefined;
}

export class Registry {
  private readonly byPath = new Map<string, ServedResource>();

  constructor(storage: Backend, logger: Logger, options: { serviceCidr: string; now?: () => Date }) {
    const now = options.now ?? (() => new Date());
    const serviceHooks = new ServiceAllocator(storage, options.serviceCidr).hooks();
    for (const info of RESOURCES) {
      // Reviews and bindings are answered by handlers, never stored.
      if (info.virtual) continue;
      const hooks = info.group === '' && info.kind === 'Service' ? serviceHooks : info.group === '' && info.kind === 'Pod' ? priorityAdmission(this.priorityClasses()) : {};
      const store = new GenericStore(storage, info, strategyFor(info), now, hooks, conversionFor(info));
      const cache = new WatchCache(storage, { prefix: store.prefix(''), decode: (kv) => store.decode(kv) }, logger.child({ resource: info.plural }));
      this.byPath.set(`${info.group}/${info.version}/${info.plural}`, { info, store, cache });
    }
  }

  /** PriorityClasses as pod admission reads them (looked up when a pod is created). */
  private priorityClasses(): PriorityClassSource {
    const store = () => this.find('scheduling.k8s.io', 'v1', 'priorityclasses')!.store;
    return {
      get: async (name) => {
        try {
          return (await store().get('', name)) as PriorityClassLike;
        } catch (err) {
          if (err instanceof ApiError && err.code === 404) return undefined;
          throw err;
        }
      },
      list: async () => (await store().list('', { filter: everything })).items as PriorityClassLike[],
    };
  }

  find(group: string, version: string, plural: string): ServedResource | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** The core/v1 store of a kind, for cross-resource needs (namespaces, pods). */
  core(plural: string): ServedResource {
    return this.byPath.get(`/v1/${plural}`)!;
  }

  all(): ServedResource[] {
    return [...this.byPath.values()];
  }

  stop(): void {
    for (const r of this.byPath.values()) r.cache.stop();
  }
}
