/**
 * The EndpointSlice controller: keeps the discovery.k8s.io/v1 EndpointSlices of every
 * Service with a selector (labelled with the service name and this controller as
 * manager, owned by the Service) in step with the selected pods; see slices.ts for the
 * rules. Slices of other managers and Services without a selector are left alone.
 * Given `apiServerEndpoints`, it also keeps `default/kubernetes`'s slice pointing at
 * the API servers, as upstream's API server does for its own Service.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { jsonEqual } from '../../api/object.js';
import { selectorFromSet } from '../../api/labels.js';
import {
  Client,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isNotFound,
  runController,
  splitKey,
  type RunningController,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { hasSelector } from '../endpoints/pod-endpoints.js';
import { watchServicesAndPods } from '../endpoints/service-pods.js';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, desiredGroups, reconcileSlices } from './slices.js';
import { apiServerSlice } from './kubernetes-service.js';
import { SliceTracker } from './slice-tracker.js';

const SLICES = RESOURCE_TYPES.endpointslices;
/** How soon to look again when the cache has not caught up with our own writes. */
const STALE_RETRY_MS = 50;

export interface EndpointSliceControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  workers?: number;
  /** The API servers' addresses for the `default/kubernetes` Service's slice; omit to leave it alone. */
  apiServerEndpoints?: { ip: string; port: number }[];
}

export function startEndpointSliceController(options: EndpointSliceControllerOptions): RunningController {
  const { client, informers, logger } = options;
  const queue = new WorkQueue<string>();
  const enqueue = (key: string) => queue.add(key);
  const { services, pods } = watchServicesAndPods(informers, enqueue);
  const slices = informers.informerFor<EndpointSlice>(SLICES);

  const sliceChanged = (slice: EndpointSlice) => {
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (service && slice.metadata?.namespace) enqueue(`${slice.metadata.namespace}/${service}`);
  };
  slices.addEventHandler({ onAdd: sliceChanged, onUpdate: (_old, s) => sliceChanged(s), onDelete: (value) => sliceChanged(deletedObject(value)) });
  const tracker = new SliceTracker();

  const ours = (namespace: string, service: string) =>
    slices
      .lister()
      .namespace(namespace)
      .list()
      .filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === service && s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME);

  const deleteSlice = async (service: string, slice: EndpointSlice) => {
    try {
      tracker.deleted(service, slice);
      await client.delete(SLICES, slice.metadata!.name!, { namespace: slice.metadata!.namespace!, ...(slice.metadata?.uid ? { preconditions: { uid: slice.metadata.uid } } : {}) });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };

  const syncApiServerSlice = async (endpoints: { ip: string; port: number }[]) => {
    const want = apiServerSlice(endpoints);
    const current = slices.lister().get(`default/${want.metadata!.name}`);
    if (!current) {
      await client.create(SLICES, want);
      return;
    }
    if (current.addressType === want.addressType && jsonEqual(current.endpoints ?? [], want.endpoints) && jsonEqual(current.ports ?? [], want.ports) && jsonEqual(current.metadata?.labels ?? {}, want.metadata!.labels)) return;
    await client.update(SLICES, { ...current, metadata: { ...current.metadata, labels: want.metadata!.labels }, addressType: want.addressType, endpoints: want.endpoints, ports: want.ports });
  };

  return runController({
    name: 'endpointslice',
    queue,
    workers: options.workers ?? 2,
    waitFor: [informers],
    logger,
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      if (key === 'default/kubernetes' && options.apiServerEndpoints?.length) return syncApiServerSlice(options.apiServerEndpoints);
      if (tracker.stale(key, (slice) => slices.lister().namespace(namespace).get(slice))) return { requeueAfterMs: STALE_RETRY_MS };
      const service = services.lister().get(key);
      const existing = ours(namespace, name);
      if (!service || service.metadata?.deletionTimestamp) {
        // The garbage collector would get them too, through the owner reference; no need to wait.
        for (const slice of existing) await deleteSlice(key, slice);
        if (!service) tracker.forget(key);
        return;
      }
      if (!hasSelector(service)) return;
      const selected = pods.lister().namespace(namespace).list(selectorFromSet(service.spec!.selector));
      const changes = reconcileSlices(service, existing, desiredGroups(service, selected));
      for (const slice of changes.create) tracker.wrote(key, await client.create(SLICES, slice));
      for (const slice of changes.update) tracker.wrote(key, await client.update(SLICES, slice));
      for (const slice of changes.delete) await deleteSlice(key, slice);
      if (changes.create.length + changes.update.length + changes.delete.length > 0) {
        logger.debug({ service: key, created: changes.create.length, updated: changes.update.length, deleted: changes.delete.length }, 'endpoint slices written');
      }
    },
  });
}
