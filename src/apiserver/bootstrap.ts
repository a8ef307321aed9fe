/**
 * What every cluster has from its first start: the four system namespaces, the two system PriorityClasses and the
 * `kubernetes` Service in `default` (first address of the service CIDR) with
 * Endpoints pointing at this API server. Idempotent: later starts only correct the
 * Endpoints to the current address and port.
 */
import { SYSTEM_PRIORITY_CLASSES } from './admission/priority.js';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { Registry } from './registry/registry.js';
import { firstServiceIp, parseCidr } from './registry/core/service-allocation.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Creates a bootstrap object unless it exists. Looked up first: on every later start all
 * of them exist, and a refused create would still have paid for defaulting, validation
 * and field tracking (loading the OpenAPI schemas: ~15 ms of start-up).
 */
async function createIfMissing(store: { get(namespace: string, name: string): Promise<unknown> }, namespace: string, name: string, create: () => Promise<unknown>): Promise<void> {
  try {
    await store.get(namespace, name);
    return;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
  try {
    // Another server may have created it since the lookup.
    await create();
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

export async function bootstrapCluster(registry: Registry, options: { serviceCidr: string; advertiseAddress: string; port: number }): Promise<void> {
  const namespaces = registry.core('namespaces').store;
  for (const name of SYSTEM_NAMESPACES) {
    await createIfMissing(namespaces, '', name, () => namespaces.create('', { metadata: { name } }));
  }
  const services = registry.core('services').store;
  await createIfMissing(services, 'default', 'kubernetes', () =>
    services.create('default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: firstServiceIp(parseCidr(options.serviceCidr)),
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: options.port }],
        sessionAffinity: 'None',
      },
    }),
  );
  const endpoints: KubeObject = {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: options.advertiseAddress }], ports: [{ name: 'https', port: options.port, protocol: 'TCP' }] }],
  };
  await registry.core('endpoints').store.guaranteedUpdate('default', 'kubernetes', '', {}, undefined, (current) => ({ ...current, subsets: endpoints['subsets'] }), {
    createIfMissing: () => endpoints,
  });
  const priorityClasses = registry.find('scheduling.k8s.io', 'v1', 'priorityclasses')!.store;
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    await createIfMissing(priorityClasses, '', pc.name, () => priorityClasses.create('', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: pc.name }, value: pc.value, description: pc.description, preemptionPolicy: 'PreemptLowerPriority' }));
  }
}
