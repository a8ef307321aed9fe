/**
 * The informer wiring the Endpoints and EndpointSlice controllers share: both keep
 * something per selector Service, so both queue a Service's key when the Service
 * changes and when a pod it selects (by the pod's old or new labels) changes.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { matchLabels, selectorFromSet } from '../../api/labels.js';
import { InformerFactory, RESOURCE_TYPES, deletedObject, objectKey, type SharedInformer } from '../../client/index.js';
import { hasSelector } from './pod-endpoints.js';

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

/** The Service and Pod informers, with handlers that `enqueue` the key of each Service affected by a change. */
export function watchServicesAndPods(informers: InformerFactory, enqueue: (serviceKey: string) => void): { services: SharedInformer<Service>; pods: SharedInformer<Pod> } {
  const services = informers.informerFor<Service>(RESOURCE_TYPES.services);
  const pods = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
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
  return { services, pods };
}
