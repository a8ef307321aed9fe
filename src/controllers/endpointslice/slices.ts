/**
 * EndpointSlices for a selector Service, as pure functions: the endpoints its pods make
 * (conditions ready / serving / terminating, per-pod ports, one group per address type
 * and port set), and the changes that bring the existing slices there while moving as
 * few endpoints as possible — an endpoint stays in the slice it is in, new ones fill
 * slices with room before new slices are made, at most 100 endpoints a slice, emptied
 * slices go, and a Service without endpoints keeps one empty placeholder slice.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { jsonEqual } from '../../api/object.js';
import { findPort, isHeadless, isPodReady, isPodTerminating, podHostname, podIpFor, serviceFamilies, shouldPodBeInEndpoints, type IPFamily } from '../endpoints/pod-endpoints.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface EndpointGroup {
  addressType: IPFamily;
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

const portKey = (p: EndpointPort) => `${p.name ?? ''}/${p.port ?? ''}/${p.protocol ?? 'TCP'}/${p.appProtocol ?? ''}`;
const sortPorts = (ports: readonly EndpointPort[]) => [...ports].sort((a, b) => portKey(a).localeCompare(portKey(b)));
export const groupKey = (addressType: string, ports: readonly EndpointPort[]) => `${addressType}|${sortPorts(ports).map(portKey).join(',')}`;
/** One pod is one endpoint; its identity is the pod's uid (the address for endpoints without a pod). */
const endpointKey = (e: Endpoint) => e.targetRef?.uid || e.addresses.join(',');

/** The endpoints the service's pods make, grouped by address type and resolved port set. */
export function desiredGroups(service: Service, pods: readonly Pod[]): Map<string, EndpointGroup> {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, EndpointGroup>();
  for (const family of serviceFamilies(service)) {
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ip = podIpFor(pod, family);
      if (!ip) continue;
      const ports: EndpointPort[] = [];
      for (const sp of service.spec?.ports ?? []) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
      }
      const terminating = isPodTerminating(pod);
      const serving = isPodReady(pod);
      const hostname = podHostname(pod, service);
      const endpoint: Endpoint = {
        addresses: [ip],
        // Ready never holds for a terminating pod unless not-ready addresses are published.
        conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
        ...(hostname ? { hostname } : {}),
        ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
      };
      const key = groupKey(family, ports);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { addressType: family, ports: sortPorts(ports), endpoints: [] }));
      group.endpoints.push(endpoint);
    }
  }
  return groups;
}

export function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  for (const reserved of [SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]) delete labels[reserved];
  labels[SERVICE_NAME_LABEL] = service.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  if (isHeadless(service)) labels[HEADLESS_LABEL] = '';
  return labels;
}

function ownerReference(service: Service) {
  return { apiVersion: 'v1', kind: 'Service', name: service.metadata?.name ?? '', uid: service.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((r) => r.kind === 'Service' && r.uid === service.metadata?.uid);
}

function newSlice(service: Service, addressType: IPFamily, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${(service.metadata?.name ?? '').slice(0, 56)}-`,
      namespace: service.metadata?.namespace ?? '',
      labels: sliceLabels(service),
      ownerReferences: [ownerReference(service)],
    },
    addressType,
    endpoints,
    ports,
  };
}

export interface SliceChanges {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** What to create, update and delete so `existing` (this controller's slices of the service) match `groups`. */
export function reconcileSlices(service: Service, existing: readonly EndpointSlice[], groups: Map<string, EndpointGroup>, max = MAX_ENDPOINTS_PER_SLICE): SliceChanges {
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  const labels = sliceLabels(service);
  const owned = existing.filter((s) => {
    if (ownedBy(s, service)) return true;
    changes.delete.push(s); // left by an earlier Service of the same name
    return false;
  });
  const total = [...groups.values()].reduce((n, g) => n + g.endpoints.length, 0);
  if (total === 0) {
    // Placeholder: one slice without endpoints or ports shows the Service is handled.
    const family = serviceFamilies(service)[0]!;
    const keep = owned.find((s) => s.addressType === family && (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0);
    for (const s of owned) if (s !== keep) changes.delete.push(s);
    if (!keep) changes.create.push(newSlice(service, family, [], []));
    else if (!jsonEqual(keep.metadata?.labels ?? {}, labels)) changes.update.push({ ...keep, metadata: { ...keep.metadata, labels } });
    return changes;
  }

  const byGroup = new Map<string, EndpointSlice[]>();
  for (const s of owned) {
    const key = groupKey(s.addressType, s.ports ?? []);
    if (!groups.has(key)) {
      changes.delete.push(s);
      continue;
    }
    byGroup.set(key, [...(byGroup.get(key) ?? []), s]);
  }
  for (const [key, group] of groups) {
    const wanted = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
    const slices = (byGroup.get(key) ?? []).map((slice) => {
      // Endpoints stay where they are, refreshed; those no longer wanted leave.
      const endpoints: Endpoint[] = [];
      for (const e of slice.endpoints ?? []) {
        const want = wanted.get(endpointKey(e));
        if (!want) continue;
        wanted.delete(endpointKey(e));
        endpoints.push(want);
      }
      return { slice, endpoints };
    });
    const rest = [...wanted.values()];
    // New endpoints fill the fullest slices with room first, so slices stay few.
    for (const entry of [...slices].sort((a, b) => b.endpoints.length - a.endpoints.length)) {
      while (rest.length > 0 && entry.endpoints.length < max) entry.endpoints.push(rest.shift()!);
    }
    for (const { slice, endpoints } of slices) {
      if (endpoints.length === 0) changes.delete.push(slice);
      else if (!jsonEqual(slice.endpoints ?? [], endpoints) || !jsonEqual(slice.metadata?.labels ?? {}, labels) || !jsonEqual(slice.ports ?? [], group.ports)) {
        changes.update.push({ ...slice, metadata: { ...slice.metadata, labels }, ports: group.ports, endpoints });
      }
    }
    while (rest.length > 0) changes.create.push(newSlice(service, group.addressType, group.ports, rest.splice(0, max)));
  }
  return changes;
}
