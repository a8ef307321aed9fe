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
import { coreEventToEventsV1, eventsV1EventToCore } from '../../api/conversion/event.js';
import { hpaV1ToV2, hpaV2ToV1 } from '../../api/conversion/hpa.js';
import type { VersionConversion } from './generic-store.js';
import { everything } from './filter.js';
import type { StoredObject } from '../../api/object.js';
import type { StoreHooks } from './store-hooks.js';
import { priorityAdmission, type PriorityClassLike, type PriorityClassSource } from '../admission/priority.js';
import { chainHooks } from '../admission/chain.js';
import { ObjectMirror } from '../admission/object-mirror.js';
import { limitRangerAdmission } from '../admission/limit-ranger-admission.js';
import { defaultTolerationSecondsAdmission } from '../admission/default-toleration-seconds.js';
import { defaultStorageClassAdmission } from '../admission/default-storage-class.js';
import { storageProtectionAdmission } from '../admission/storage-object-in-use-protection.js';
import { QuotaCharger } from '../admission/resource-quota-admission.js';

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
  if (info.kind === 'Event') {
    // Stored as core/v1; events.k8s.io/v1 is the same storage under newer field names.
    return info.group === 'events.k8s.io'
      ? { storageApiVersion: 'v1', toStorage: eventsV1EventToCore, fromStorage: (o) => (o.apiVersion === 'v1' ? coreEventToEventsV1(o) : o) }
      : { storageApiVersion: 'v1', toStorage: (o) => o, fromStorage: (o) => (o.apiVersion === 'events.k8s.io/v1' ? eventsV1EventToCore(o) : o) };
  }
  return undefined;
}

/** Resources quota admission leaves alone (upstream's default ignored resources). */
const QUOTA_IGNORED = new Set(['/events', 'events.k8s.io/events']);

/** Kinds admission reads (plural → group), from an ObjectMirror rather than storage. */
const MIRRORED = { priorityclasses: 'scheduling.k8s.io', limitranges: '', resourcequotas: '', storageclasses: 'storage.k8s.io', namespaces: '' } as const;
type Mirrored = keyof typeof MIRRORED;

export class Registry {
  private readonly byPath = new Map<string, ServedResource>();
  /** What admission reads of other kinds, kept current from their watch caches. */
  private readonly mirrors = {} as Record<Mirrored, ObjectMirror>;

  constructor(storage: Backend, logger: Logger, options: { serviceCidr: string; now?: () => Date }) {
    const now = options.now ?? (() => new Date());
    const admissionLogger = logger.child({ component: 'admission' });
    for (const [plural, group] of Object.entries(MIRRORED)) this.mirrors[plural as Mirrored] = this.mirror(group, plural, admissionLogger);
    const serviceHooks = new ServiceAllocator(storage, options.serviceCidr).hooks();
    const quota = new QuotaCharger(this.quotaAccess(), now);
    for (const info of RESOURCES) {
      // Reviews and bindings are answered by handlers, never stored.
      if (info.virtual) continue;
      const hooks = this.hooksFor(info, { serviceHooks, quota });
      const store = new GenericStore(storage, info, strategyFor(info), now, hooks, conversionFor(info));
      const cache = new WatchCache(storage, { prefix: store.prefix(''), decode: (kv) => store.decode(kv) }, logger.child({ resource: info.plural }));
      this.byPath.set(`${info.group}/${info.version}/${info.plural}`, { info, store, cache });
    }
  }

  /**
   * A kind's admission plugins and store hooks, in upstream's plugin order (LimitRanger,
   * Priority, DefaultTolerationSeconds, DefaultStorageClass, StorageObjectInUseProtection,
   * ResourceQuota); mutating steps all run before validating ones (see chainHooks).
   */
  private hooksFor(info: ResourceInfo, shared: { serviceHooks: StoreHooks; quota: QuotaCharger }): StoreHooks {
    const core = info.group === '';
    const parts: StoreHooks[] = [];
    if (core && info.kind === 'Pod') {
      parts.push(limitRangerAdmission('Pod', this.mirrors.limitranges), priorityAdmission(this.priorityClasses()), defaultTolerationSecondsAdmission());
    }
    if (core && info.kind === 'PersistentVolumeClaim') {
      parts.push(limitRangerAdmission('PersistentVolumeClaim', this.mirrors.limitranges));
      parts.push(defaultStorageClassAdmission({ list: () => this.mirrors.storageclasses.list('') }));
      parts.push(storageProtectionAdmission('PersistentVolumeClaim'));
    }
    if (core && info.kind === 'PersistentVolume') parts.push(storageProtectionAdmission('PersistentVolume'));
    const storageOf = info.storageResource ?? { group: info.group, resource: info.plural };
    if (info.namespaced && !QUOTA_IGNORED.has(`${storageOf.group}/${storageOf.resource}`)) {
      const growsOnUpdate = core && (info.kind === 'Service' || info.kind === 'PersistentVolumeClaim');
      parts.push(shared.quota.hooks({ group: storageOf.group, resource: storageOf.resource }, { onUpdate: growsOnUpdate }));
    }
    if (core && info.kind === 'Service') parts.push(shared.serviceHooks);
    // The mirrored kinds tell their mirror about writes, so admission reads its own writes.
    if ((MIRRORED as Record<string, string>)[info.plural] === info.group) parts.push(this.mirrors[info.plural as Mirrored].writeTracker());
    return chainHooks(parts);
  }

  private mirror(group: string, plural: string, logger: Logger): ObjectMirror {
    return new ObjectMirror(() => {
      const served = this.all().find((r) => r.info.group === group && r.info.plural === plural)!;
      return {
        cache: served.cache,
        prefix: served.store.prefix(''),
        live: async (namespace) => (await served.store.list(namespace, { filter: everything })).items,
      };
    }, logger.child({ resource: plural }));
  }

  /** PriorityClasses as pod admission reads them (looked up when a pod is created). */
  private priorityClasses(): PriorityClassSource {
    const mirror = this.mirrors.priorityclasses;
    return {
      get: async (name) => (await mirror.get('', name)) as PriorityClassLike | undefined,
      list: async () => (await mirror.list('')) as PriorityClassLike[],
    };
  }

  /** ResourceQuotas as quota admission reads and charges them. */
  private quotaAccess() {
    const store = () => this.core('resourcequotas').store;
    return {
      list: (namespace: string) => this.mirrors.resourcequotas.list(namespace),
      getLive: async (namespace: string, name: string): Promise<StoredObject | undefined> => {
        try {
          return await store().get(namespace, name);
        } catch (err) {
          if (err instanceof ApiError && err.code === 404) return undefined;
          throw err;
        }
      },
      writeUsed: async (namespace: string, name: string, resourceVersion: string, used: Record<string, string>) =>
        (
          await store().guaranteedUpdate(namespace, name, 'status', { fieldManager: 'resourcequota-admission' }, resourceVersion, (current) => ({
            ...current,
            status: { ...((current['status'] as object | undefined) ?? {}), used },
          }))
        ).object,
    };
  }

  find(group: string, version: string, plural: string): ServedResource | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** The core/v1 store of a kind, for cross-resource needs (namespaces, pods). */
  /**
   * A namespace as NamespaceLifecycle admission reads it before every create: from the
   * mirror, and from storage when the mirror has not seen it (created a moment ago,
   * perhaps through another API server), as upstream's plugin falls back to a live GET.
   */
  async namespaceForAdmission(name: string): Promise<StoredObject | undefined> {
    const cached = await this.mirrors.namespaces.get('', name);
    if (cached) return cached;
    try {
      return await this.core('namespaces').store.get('', name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

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
