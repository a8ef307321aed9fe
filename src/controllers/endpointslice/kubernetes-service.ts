/**
 * The EndpointSlice of the `default/kubernetes` Service: the API servers' addresses,
 * always ready, on the https port — what upstream's API server writes for itself.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { familyOf } from '../endpoints/pod-endpoints.js';
import { SERVICE_NAME_LABEL } from './slices.js';

export function apiServerSlice(endpoints: readonly { ip: string; port: number }[]): EndpointSlice {
  const family = familyOf(endpoints[0]?.ip ?? '');
  const ips = [...new Set(endpoints.filter((e) => familyOf(e.ip) === family).map((e) => e.ip))].sort();
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'kubernetes' } },
    addressType: family,
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'https', port: endpoints[0]?.port ?? 6443, protocol: 'TCP' }],
  };
}
