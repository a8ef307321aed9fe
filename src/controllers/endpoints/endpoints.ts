/**
 * The Endpoints a selector Service should have, from the pods it selects (pure):
 * ready pods (all of them with publishNotReadyAddresses) under `addresses`, the others
 * under `notReadyAddresses`, terminating pods left out unless not-ready addresses are
 * published; each pod's ports resolved for it, and addresses with the same ports packed
 * into one subset, as upstream's RepackSubsets does.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { findPort, isHeadless, isPodReady, podHostname, podIpFor, serviceFamilies, shouldPodBeInEndpoints } from './pod-endpoints.js';

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

interface Contribution {
  address: EndpointAddress;
  ready: boolean;
  ports: EndpointPort[];
}

function podAddress(pod: Pod, service: Service, ip: string): EndpointAddress {
  const hostname = podHostname(pod, service);
  return {
    ip,
    ...(hostname ? { hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
}

export function desiredSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const family = serviceFamilies(service)[0]!;
  const servicePorts = service.spec?.ports ?? [];
  const contributions: Contribution[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIpFor(pod, family);
    if (!ip) continue;
    const ports: EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    // A pod none of whose ports resolve is no endpoint, except for a headless service without ports.
    if (ports.length === 0 && !(servicePorts.length === 0 && isHeadless(service))) continue;
    contributions.push({ address: podAddress(pod, service, ip), ready: publishNotReady || isPodReady(pod), ports });
  }
  return repack(contributions);
}

const portKey = (p: EndpointPort) => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}/${p.appProtocol ?? ''}`;
const byIp = (a: EndpointAddress, b: EndpointAddress) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? ''));

/** Groups addresses by their exact set of ports; subsets, addresses and ports in a stable order. */
function repack(contributions: readonly Contribution[]): EndpointSubset[] {
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const c of contributions) {
    const ports = [...c.ports].sort((a, b) => portKey(a).localeCompare(portKey(b)));
    const key = ports.map(portKey).join(',');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, ready: [], notReady: [] }));
    (c.ready ? group.ready : group.notReady).push(c.address);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length ? { addresses: g.ready.sort(byIp) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp) } : {}),
      ...(g.ports.length ? { ports: g.ports } : {}),
    }));
}

/** The Endpoints' labels: the service's, plus the headless marker for headless services. */
export function desiredLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(service.metadata?.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(service)) labels[HEADLESS_LABEL] = '';
  return labels;
}

/** Upstream caps one Endpoints object at 1000 addresses; EndpointSlices carry the rest. */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

/** Keeps at most `max` addresses, ready ones first; says whether any were dropped. */
export function truncateSubsets(subsets: readonly EndpointSubset[], max = MAX_ENDPOINTS_ADDRESSES): { subsets: EndpointSubset[]; truncated: boolean } {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= max) return { subsets: [...subsets], truncated: false };
  let room = max;
  const ready = subsets.map((s) => {
    const kept = (s.addresses ?? []).slice(0, room);
    room -= kept.length;
    return kept;
  });
  const out = subsets.map((s, i) => {
    const notReady = (s.notReadyAddresses ?? []).slice(0, room);
    room -= notReady.length;
    const { addresses: _a, notReadyAddresses: _n, ...rest } = s;
    return { ...rest, ...(ready[i]!.length ? { addresses: ready[i] } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}) };
  });
  return { subsets: out.filter((s) => s.addresses || s.notReadyAddresses), truncated: true };
}
