/**
 * What a pod contributes to a Service's endpoints, as upstream decides it (shared by the
 * Endpoints and EndpointSlice controllers): whether the pod belongs at all, whether it
 * is ready, its address in the service's IP family, and the port number a service
 * port's targetPort resolves to in this pod (named ports are per pod).
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';

export type IPFamily = 'IPv4' | 'IPv6';

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isPodTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

/**
 * A pod is an endpoint while it has an IP and may still run: not finished for good
 * (per its restart policy), and not terminating unless terminating pods are wanted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !(pod.status?.podIPs ?? []).length) return false;
  if (!includeTerminating && isPodTerminating(pod)) return false;
  const phase = pod.status?.phase;
  if (pod.spec?.restartPolicy === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (pod.spec?.restartPolicy === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

export function familyOf(ip: string): IPFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** The service's IP families (primary first); IPv4 when the service names none. */
export function serviceFamilies(service: Service): IPFamily[] {
  const families = (service.spec?.ipFamilies ?? []).filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6');
  return families.length ? families : ['IPv4'];
}

/** The pod's IP in `family`, if it has one. */
export function podIpFor(pod: Pod, family: IPFamily): string | undefined {
  const ips = [...(pod.status?.podIPs ?? []).map((p) => p.ip), pod.status?.podIP].filter((ip): ip is string => Boolean(ip));
  return ips.find((ip) => familyOf(ip) === family);
}

/**
 * The container port a service port reaches in this pod: a numeric targetPort as is
 * (the port itself when unset), a named one looked up among the pod's container ports
 * with the same protocol (sidecar init containers included); undefined when the pod
 * has no such port.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The hostname a pod has under the service: only when its subdomain is the service. */
export function podHostname(pod: Pod, service: Service): string | undefined {
  const hostname = pod.spec?.hostname;
  if (!hostname || pod.spec?.subdomain !== service.metadata?.name || pod.metadata?.namespace !== service.metadata?.namespace) return undefined;
  return hostname;
}

export function isHeadless(service: Service): boolean {
  return service.spec?.clusterIP === 'None';
}

/** Services whose Endpoints the controllers manage: those with a non-empty selector. */
export function hasSelector(service: Service): boolean {
  return Object.keys(service.spec?.selector ?? {}).length > 0;
}
