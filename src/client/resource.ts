/**
 * Which resource a client call is about — `{group, version, resource, namespaced}` —
 * resolved from the resource table in src/api, and the REST paths for it.
 */
import { RESOURCES, apiVersionOf, findResource, type ResourceInfo } from '../api/resources.js';

export interface ResourceType {
  group: string;
  version: string;
  /** The plural, as in the URL: `pods`, `deployments`. */
  resource: string;
  namespaced: boolean;
  /** The kind, when known; filled from the resource table by `resourceType`. */
  kind?: string;
}

/** The resource type for group/version/plural from the resource table; throws if unknown. */
export function resourceType(group: string, version: string, resource: string): ResourceType {
  const info = findResource(group, version, resource);
  if (!info) throw new Error(`unknown resource ${resource}${group ? `.${group}` : ''}/${version}`);
  return { group, version, resource, namespaced: info.namespaced, kind: info.kind };
}

/** The resource type serving `kind` in `apiVersion` (e.g. "apps/v1", "Deployment"). */
export function resourceTypeForKind(apiVersion: string, kind: string): ResourceType {
  const info = RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
  if (!info) throw new Error(`no resource serves kind ${kind} in ${apiVersion}`);
  return { group: info.group, version: info.version, resource: info.plural, namespaced: info.namespaced, kind: info.kind };
}

export function kindOf(type: ResourceType): string {
  return type.kind ?? findResource(type.group, type.version, type.resource)?.kind ?? '';
}

export function apiVersionOfType(type: ResourceType): string {
  return apiVersionOf(type);
}

/** A stable name for the type, `pods` or `deployments.v1.apps`, for logs and maps. */
export function typeName(type: ResourceType): string {
  return type.group ? `${type.resource}.${type.version}.${type.group}` : `${type.resource}.${type.version}`;
}

/** `/api/v1[/namespaces/ns]/pods[/name][/sub]` — the namespace is left out when empty. */
export function resourcePath(type: ResourceType, namespace: string | undefined, name?: string, subresource?: string): string {
  const root = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  let path = `${root}${ns}/${type.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

/** The resource types components use most, resolved once. */
export const RESOURCE_TYPES = {
  namespaces: resourceType('', 'v1', 'namespaces'),
  pods: resourceType('', 'v1', 'pods'),
  services: resourceType('', 'v1', 'services'),
  endpoints: resourceType('', 'v1', 'endpoints'),
  configmaps: resourceType('', 'v1', 'configmaps'),
  secrets: resourceType('', 'v1', 'secrets'),
  nodes: resourceType('', 'v1', 'nodes'),
  events: resourceType('', 'v1', 'events'),
  serviceaccounts: resourceType('', 'v1', 'serviceaccounts'),
  persistentvolumes: resourceType('', 'v1', 'persistentvolumes'),
  persistentvolumeclaims: resourceType('', 'v1', 'persistentvolumeclaims'),
  replicationcontrollers: resourceType('', 'v1', 'replicationcontrollers'),
  leases: resourceType('coordination.k8s.io', 'v1', 'leases'),
  deployments: resourceType('apps', 'v1', 'deployments'),
  replicasets: resourceType('apps', 'v1', 'replicasets'),
  statefulsets: resourceType('apps', 'v1', 'statefulsets'),
  daemonsets: resourceType('apps', 'v1', 'daemonsets'),
  controllerrevisions: resourceType('apps', 'v1', 'controllerrevisions'),
  jobs: resourceType('batch', 'v1', 'jobs'),
  cronjobs: resourceType('batch', 'v1', 'cronjobs'),
  endpointslices: resourceType('discovery.k8s.io', 'v1', 'endpointslices'),
  storageclasses: resourceType('storage.k8s.io', 'v1', 'storageclasses'),
  priorityclasses: resourceType('scheduling.k8s.io', 'v1', 'priorityclasses'),
  resourcequotas: resourceType('', 'v1', 'resourcequotas'),
  limitranges: resourceType('', 'v1', 'limitranges'),
  podtemplates: resourceType('', 'v1', 'podtemplates'),
  poddisruptionbudgets: resourceType('policy', 'v1', 'poddisruptionbudgets'),
} as const;

/**
 * One served version per stored resource (events.k8s.io events are core events, the
 * autoscaling/v1 HPA is the v2 one), among resources that `include` accepts (given the
 * resource and its storage key `group/resource`): what
 * controllers walking every kind (namespace deletion, garbage collection) act on, so
 * they never do the same object twice.
 */
export function oneVersionPerStoredResource(include: (r: ResourceInfo, storage: string) => boolean): ResourceType[] {
  const seen = new Set<string>();
  const out: ResourceType[] = [];
  for (const r of RESOURCES) {
    const storage = r.storageResource ? `${r.storageResource.group}/${r.storageResource.resource}` : `${r.group}/${r.plural}`;
    if (seen.has(storage) || !include(r, storage)) continue;
    seen.add(storage);
    out.push(resourceType(r.group, r.version, r.plural));
  }
  return out;
}
