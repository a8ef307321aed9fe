/**
 * The resource table: every kind Skiff serves, with upstream's group, version, kind,
 * plural, singular, short names, categories, scope, verbs and subresources. Discovery,
 * routing, storage keys and kubectl's short names all read from here, so adding a
 * resource is one line in this table plus its strategy.
 */

export interface SubresourceInfo {
  name: string;
  /** The kind the subresource speaks, e.g. Scale for /scale, Binding for /binding. */
  kind: string;
  /** Group and version of that kind when it is not the parent's (Scale is autoscaling/v1). */
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
  /** Resources that are views of another's storage (events.k8s.io events) name it here. */
  storageResource?: { group: string; resource: string };
  /**
   * Create-only kinds that are answered, never stored (reviews, bindings): they have no
   * storage, no watch cache and no list or get.
   */
  virtual?: boolean;
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CRUD_NO_COLLECTION = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY = ['create'];
const STATUS: SubresourceInfo = { name: 'status', kind: '', verbs: ['get', 'patch', 'update'] };
const SCALE: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };

interface Row {
  kind: string;
  plural?: string;
  short?: string[];
  all?: boolean;
  cluster?: boolean;
  verbs?: string[];
  sub?: SubresourceInfo[];
  storage?: { group: string; resource: string };
  virtual?: boolean;
}

function group(groupName: string, version: string, rows: Row[]): ResourceInfo[] {
  return rows.map((r) => {
    const plural = r.plural ?? `${r.kind.toLowerCase()}s`;
    return {
      group: groupName,
      version,
      kind: r.kind,
      plural,
      singular: r.kind.toLowerCase(),
      namespaced: !r.cluster,
      shortNames: r.short ?? [],
      categories: r.all ? ['all'] : [],
      verbs: r.verbs ?? CRUD,
      // A status subresource speaks its parent's kind.
      subresources: (r.sub ?? []).map((s) => (s.kind === '' ? { ...s, kind: r.kind } : s)),
      ...(r.storage ? { storageResource: r.storage } : {}),
      ...(r.virtual ? { virtual: true } : {}),
    };
  });
}

export const RESOURCES: readonly ResourceInfo[] = [
  ...group('', 'v1', [
    { kind: 'Namespace', short: ['ns'], cluster: true, verbs: CRUD_NO_COLLECTION, sub: [STATUS, { name: 'finalize', kind: 'Namespace', verbs: ['update'] }] },
    {
      kind: 'Pod',
      short: ['po'],
      all: true,
      sub: [
        STATUS,
        { name: 'binding', kind: 'Binding', verbs: ['create'] },
        { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
        { name: 'log', kind: 'Pod', verbs: ['get'] },
        { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
        { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
        { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      ],
    },
    { kind: 'Service', short: ['svc'], all: true, sub: [STATUS] },
    { kind: 'Endpoints', plural: 'endpoints', short: ['ep'] },
    { kind: 'ConfigMap', short: ['cm'] },
    { kind: 'Secret' },
    { kind: 'PersistentVolume', short: ['pv'], cluster: true, sub: [STATUS] },
    { kind: 'PersistentVolumeClaim', short: ['pvc'], sub: [STATUS] },
    { kind: 'Node', short: ['no'], cluster: true, sub: [STATUS] },
    { kind: 'Event', short: ['ev'] },
    { kind: 'ServiceAccount', short: ['sa'], sub: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }] },
    { kind: 'ComponentStatus', plural: 'componentstatuses', short: ['cs'], cluster: true, verbs: ['get', 'list'] },
    { kind: 'LimitRange', short: ['limits'] },
    { kind: 'ResourceQuota', short: ['quota'], sub: [STATUS] },
    { kind: 'PodTemplate' },
    { kind: 'ReplicationController', short: ['rc'], all: true, sub: [STATUS, SCALE] },
    // The older form of pods/binding: POST a Binding to the namespace's bindings.
    { kind: 'Binding', verbs: CREATE_ONLY, virtual: true },
  ]),
  ...group('apps', 'v1', [
    { kind: 'Deployment', short: ['deploy'], all: true, sub: [STATUS, SCALE] },
    { kind: 'ReplicaSet', short: ['rs'], all: true, sub: [STATUS, SCALE] },
    { kind: 'StatefulSet', short: ['sts'], all: true, sub: [STATUS, SCALE] },
    { kind: 'DaemonSet', short: ['ds'], all: true, sub: [STATUS] },
    { kind: 'ControllerRevision' },
  ]),
  ...group('batch', 'v1', [
    { kind: 'Job', all: true, sub: [STATUS] },
    { kind: 'CronJob', short: ['cj'], all: true, sub: [STATUS] },
  ]),
  ...group('networking.k8s.io', 'v1', [
    { kind: 'Ingress', plural: 'ingresses', short: ['ing'], sub: [STATUS] },
    { kind: 'IngressClass', plural: 'ingressclasses', cluster: true },
    { kind: 'NetworkPolicy', plural: 'networkpolicies', short: ['netpol'] },
  ]),
  ...group('authentication.k8s.io', 'v1', [
    { kind: 'SelfSubjectReview', cluster: true, verbs: CREATE_ONLY, virtual: true },
    { kind: 'TokenReview', cluster: true, verbs: CREATE_ONLY, virtual: true },
  ]),
  ...group('authorization.k8s.io', 'v1', [
    { kind: 'LocalSubjectAccessReview', verbs: CREATE_ONLY, virtual: true },
    { kind: 'SelfSubjectAccessReview', cluster: true, verbs: CREATE_ONLY, virtual: true },
    { kind: 'SelfSubjectRulesReview', cluster: true, verbs: CREATE_ONLY, virtual: true },
    { kind: 'SubjectAccessReview', cluster: true, verbs: CREATE_ONLY, virtual: true },
  ]),
  ...group('storage.k8s.io', 'v1', [{ kind: 'StorageClass', plural: 'storageclasses', short: ['sc'], cluster: true }]),
  ...group('coordination.k8s.io', 'v1', [{ kind: 'Lease' }]),
  ...group('discovery.k8s.io', 'v1', [{ kind: 'EndpointSlice' }]),
  ...group('events.k8s.io', 'v1', [{ kind: 'Event', short: ['ev'], storage: { group: '', resource: 'events' } }]),
  ...group('rbac.authorization.k8s.io', 'v1', [
    { kind: 'Role' },
    { kind: 'RoleBinding' },
    { kind: 'ClusterRole', cluster: true },
    { kind: 'ClusterRoleBinding', cluster: true },
  ]),
  ...group('scheduling.k8s.io', 'v1', [{ kind: 'PriorityClass', plural: 'priorityclasses', short: ['pc'], cluster: true }]),
  ...group('policy', 'v1', [{ kind: 'PodDisruptionBudget', short: ['pdb'], sub: [STATUS] }]),
  ...group('autoscaling', 'v2', [{ kind: 'HorizontalPodAutoscaler', short: ['hpa'], all: true, sub: [STATUS] }]),
  ...group('autoscaling', 'v1', [
    { kind: 'HorizontalPodAutoscaler', short: ['hpa'], all: true, sub: [STATUS], storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers' } },
  ]),
];

/** group/version strings in the order discovery lists them (first version preferred). */
export function groupVersions(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const r of RESOURCES) {
    let g = out.find((x) => x.group === r.group);
    if (!g) out.push((g = { group: r.group, versions: [] }));
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}

const byPath = new Map(RESOURCES.map((r) => [`${r.group}/${r.version}/${r.plural}`, r]));

export function findResource(groupName: string, version: string, plural: string): ResourceInfo | undefined {
  return byPath.get(`${groupName}/${version}/${plural}`);
}

export function apiVersionOf(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
