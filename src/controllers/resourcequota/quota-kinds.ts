/**
 * Which kinds a quota's hard names make the controller count: `pods`, `requests.cpu`
 * … are pods, `services.nodeports` services, `requests.storage` and per-class names
 * claims, `count/<resource>.<group>` that resource. Pure.
 */
import { RESOURCES } from '../../api/resources.js';
import type { GroupResource } from '../../api/quota/usage.js';

const LEGACY: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** The kind a quota resource name counts (undefined for names no evaluator knows). */
export function kindForName(name: string): GroupResource | undefined {
  if (LEGACY[name]) return { group: '', resource: LEGACY[name]! };
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  if (name === 'services.loadbalancers' || name === 'services.nodeports') return { group: '', resource: 'services' };
  if (name === 'requests.storage' || name.includes('.storageclass.storage.k8s.io/')) return { group: '', resource: 'persistentvolumeclaims' };
  if (['cpu', 'memory', 'ephemeral-storage'].includes(name) || name.startsWith('requests.') || name.startsWith('limits.') || name.startsWith('hugepages-')) {
    return { group: '', resource: 'pods' };
  }
  return undefined;
}

/** The distinct kinds behind `names`. */
export function kindsForNames(names: Iterable<string>): GroupResource[] {
  const seen = new Map<string, GroupResource>();
  for (const n of names) {
    const gr = kindForName(n);
    if (gr) seen.set(`${gr.group}/${gr.resource}`, gr);
  }
  return [...seen.values()];
}

/** A served, namespaced version of the kind to list it through (its first served version). */
export function servedVersion(gr: GroupResource): string | undefined {
  return RESOURCES.find((r) => !r.virtual && r.namespaced && r.group === gr.group && r.plural === gr.resource)?.version;
}
