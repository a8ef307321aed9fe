/**
 * The Endpoints controller: keeps an Endpoints object named after each Service with a
 * selector, listing the selected pods (see endpoints.ts for what goes where), and
 * deletes it with its Service. Services without a selector have user-managed Endpoints
 * and are left alone (the `kubernetes` Service's are kept by the API server).
 */
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { jsonEqual } from '../../api/object.js';
import { matchLabels, selectorFromSet } from '../../api/labels.js';
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
  type SharedInformer,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { OVER_CAPACITY_ANNOTATION, desiredLabels, desiredSubsets, truncateSubsets } from './endpoints.js';
import { hasSelector } from './pod-endpoints.js';

export interface EndpointsControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  workers?: number;
}

/** Keys of the selector services in the pod's namespace that select it (by any of its label sets). */
export function servicesForPod(services: SharedInformer<Service>, pod: Pod, ...labelSets: (Record<string, string> | undefined)[]): string[] {
  const namespace = pod.metadata?.namespace;
  if (!namespace) return [];
  return services
    .lister()
    .namespace(namespace)
    .list()
    .filter((svc) => hasSelector(svc) && labelSets.some((labels) => matchLabels(selectorFromSet(svc.spec!.selector), labels)))
    .map(objectKey);
}

export function startEndpointsController(options: EndpointsControllerOptions): RunningController {
  const { client, informers, logger } = options;
  const queue = new WorkQueue<string>();
  const services = informers.informerFor<Service>(RESOURCE_TYPES.services);
  const pods = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  const endpoints = informers.informerFor<Endpoints>(RESOURCE_TYPES.endpoints);

  const enqueue = (key: string) => queue.add(key);
  services.addEventHandler({
    onAdd: (svc) => enqueue(objectKey(svc)),
    onUpdate: (_old, svc) => enqueue(objectKey(svc)),
    onDelete: (value) => enqueue(objectKey(deletedObject(value))),
  });
  pods.addEventHandler({
    onAdd: (pod) => servicesForPod(services, pod, pod.metadata?.labels).forEach(enqueue),
    onUpdate: (old, pod) => servicesForPod(services, pod, old.metadata?.labels, pod.metadata?.labels).forEach(enqueue),
    onDelete: (value) => {
      const pod = deletedObject(value);
      servicesForPod(services, pod, pod.metadata?.labels).forEach(enqueue);
    },
  });
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
