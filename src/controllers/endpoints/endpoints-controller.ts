/**
 * The Endpoints controller: keeps an Endpoints object named after each Service with a
 * selector, listing the selected pods (see endpoints.ts for what goes where), and
 * deletes it with its Service. Services without a selector have user-managed Endpoints
 * and are left alone (the `kubernetes` Service's are kept by the API server).
 */
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import { jsonEqual } from '../../api/object.js';
import { selectorFromSet } from '../../api/labels.js';
import {
  Client,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isNotFound,
  objectKey,
  runController,
  splitKey,
  type RunningController,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { OVER_CAPACITY_ANNOTATION, desiredLabels, desiredSubsets, truncateSubsets } from './endpoints.js';
import { hasSelector } from './pod-endpoints.js';
import { watchServicesAndPods } from './service-pods.js';

export interface EndpointsControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  workers?: number;
}

export function startEndpointsController(options: EndpointsControllerOptions): RunningController {
  const { client, informers, logger } = options;
  const queue = new WorkQueue<string>();
  const enqueue = (key: string) => queue.add(key);
  const { services, pods } = watchServicesAndPods(informers, enqueue);
  const endpoints = informers.informerFor<Endpoints>(RESOURCE_TYPES.endpoints);

  // Someone else changed or deleted Endpoints we own: put them right.
  const repair = (ep: Endpoints) => {
    const svc = services.lister().get(objectKey(ep));
    if (svc && hasSelector(svc)) enqueue(objectKey(ep));
  };
  endpoints.addEventHandler({ onUpdate: (_old, ep) => repair(ep), onDelete: (value) => repair(deletedObject(value)) });

  return runController({
    name: 'endpoints',
    queue,
    workers: options.workers ?? 2,
    waitFor: [informers],
    logger,
    async reconcile(key) {
      const { namespace, name } = splitKey(key);
      const service = services.lister().get(key);
      const current = endpoints.lister().get(key);
      if (!service) {
        if (!current) return;
        try {
          await client.delete(RESOURCE_TYPES.endpoints, name, { namespace });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      }
      if (!hasSelector(service)) return;
      const selected = pods.lister().namespace(namespace).list(selectorFromSet(service.spec!.selector));
      const { subsets, truncated } = truncateSubsets(desiredSubsets(service, selected));
      const labels = desiredLabels(service);
      const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
      delete annotations[OVER_CAPACITY_ANNOTATION];
      if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
      if (current) {
        const same = jsonEqual(current.subsets ?? [], subsets) && jsonEqual(current.metadata?.labels ?? {}, labels) && jsonEqual(current.metadata?.annotations ?? {}, annotations);
        if (same) return;
        await client.update<Endpoints>(RESOURCE_TYPES.endpoints, { ...current, metadata: { ...current.metadata, labels, annotations }, subsets });
      } else {
        await client.create<Endpoints>(RESOURCE_TYPES.endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels, ...(truncated ? { annotations } : {}) }, subsets });
      }
      logger.debug({ service: key, subsets: subsets.length }, 'endpoints written');
    },
  });
}
