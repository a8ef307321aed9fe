/**
 * Strategies of the kinds that need only upstream's printer columns and a few
 * defaults: networking (Ingress, IngressClass, NetworkPolicy), storage, coordination,
 * discovery, RBAC, scheduling, policy, autoscaling, and the core LimitRange,
 * ResourceQuota, PodTemplate and apps ControllerRevision.
 */
import { age } from '../../api/human-duration.js';
import type { StoredObject } from '../../api/object.js';
import { AGE_COLUMN, ageCell, column, defaultStrategy, field, numberField, orNone, stringField } from './default-strategy.js';
import type { Strategy } from './strategy.js';
import { formatSelector } from './apps/workloads.js';

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const CREATED_AT = column('Created At', 'When the object was created.');
const createdAt = (obj: StoredObject) => obj.metadata.creationTimestamp ?? '';

function columns(cols: ReturnType<typeof column>[], cells: (obj: StoredObject, now: Date) => unknown[], extra: Partial<Strategy> = {}): Strategy {
  return { ...defaultStrategy, columns: cols, cells, ...extra };
}

export const ingressStrategy = columns(
  [column('Class', 'The ingress class.'), column('Hosts', 'Hosts the ingress serves.'), column('Address', 'Addresses the ingress is reached at.'), column('Ports', 'Ports the ingress listens on.'), AGE_COLUMN],
  (obj, now) => {
    const spec = (obj['spec'] ?? {}) as Obj;
    const hosts = list(spec['rules']).map((r) => str(r['host'])).filter(Boolean);
    const addresses = list(field(obj, 'status', 'loadBalancer', 'ingress')).map((i) => str(i['ip'] ?? i['hostname']));
    return [
      str(spec['ingressClassName']) || '<none>',
      hosts.length ? hosts.join(',') : '*',
      addresses.join(','),
      list(spec['tls']).length ? '80, 443' : '80',
      ageCell(obj, now),
    ];
  },
  {
    defaults(obj) {
      for (const rule of list(field(obj, 'spec', 'rules'))) {
        for (const path of list(field(rule, 'http', 'paths'))) path['pathType'] ??= 'ImplementationSpecific';
      }
    },
  },
);

/** As upstream's printers: the default class's name is shown as "name (default)". */
const defaultMarked =
  (...annotations: string[]) =>
  (obj: StoredObject): string =>
    `${obj.metadata.name ?? ''}${annotations.some((a) => obj.metadata.annotations?.[a] === 'true') ? ' (default)' : ''}`;

export const ingressClassStrategy = columns(
  [column('Controller', 'The controller that implements the class.'), column('Parameters', 'Parameters of the class.'), AGE_COLUMN],
  (obj, now) => {
    const params = field(obj, 'spec', 'parameters') as Obj | undefined;
    return [stringField(obj, 'spec', 'controller') ?? '', params ? `${str(params['kind'])}/${str(params['name'])}` : '<none>', ageCell(obj, now)];
  },
  { nameCell: defaultMarked('ingressclass.kubernetes.io/is-default-class') },
);

export const networkPolicyStrategy = columns(
  [column('Pod-Selector', 'The pods the policy applies to.'), AGE_COLUMN],
  (obj, now) => {
    const sel = field(obj, 'spec', 'podSelector') as Parameters<typeof formatSelector>[0];
    const text = formatSelector(sel);
    return [text === '<none>' ? '<none>' : text, ageCell(obj, now)];
  },
  {
    defaults(obj) {
      const spec = ((obj['spec'] as Obj | undefined) ??= {}) as Obj;
      spec['podSelector'] ??= {};
      if (spec['policyTypes'] === undefined) {
        // Upstream: Ingress always, Egress when egress rules are given.
        spec['policyTypes'] = spec['egress'] !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
      }
    },
  },
);

export const storageClassStrategy = columns(
  [
    column('Provisioner', 'The provisioner of volumes of this class.'),
    column('ReclaimPolicy', 'What happens to a released volume.'),
    column('VolumeBindingMode', 'When volumes are bound.'),
    column('AllowVolumeExpansion', 'Whether volumes may grow.'),
    AGE_COLUMN,
  ],
  (obj, now) => [str(obj['provisioner']), str(obj['reclaimPolicy'] ?? 'Delete'), str(obj['volumeBindingMode'] ?? 'Immediate'), String(obj['allowVolumeExpansion'] ?? false), ageCell(obj, now)],
  {
    nameCell: defaultMarked('storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'),
    defaults(obj) {
      obj['reclaimPolicy'] ??= 'Delete';
      obj['volumeBindingMode'] ??= 'Immediate';
    },
  },
);

export const leaseStrategy = columns([column('Holder', 'The holder of the lease.'), AGE_COLUMN], (obj, now) => [stringField(obj, 'spec', 'holderIdentity') ?? '', ageCell(obj, now)]);

export const endpointSliceStrategy = columns(
  [column('AddressType', 'The type of the addresses.'), column('Ports', 'The ports of the endpoints.'), column('Endpoints', 'Up to three addresses.'), AGE_COLUMN],
  (obj, now) => {
    const ports = list(obj['ports']).map((p) => str(p['port']));
    const addrs = list(obj['endpoints']).flatMap((e) => (Array.isArray(e['addresses']) ? (e['addresses'] as string[]) : []));
    const shown = addrs.slice(0, 3).join(',');
    return [str(obj['addressType']), ports.length ? ports.join(',') : '<unset>', addrs.length === 0 ? '<unset>' : addrs.length > 3 ? `${shown} + ${addrs.length - 3} more...` : shown, ageCell(obj, now)];
  },
);

const subjectsOf = (obj: StoredObject, kind: string) =>
  list(obj['subjects'])
    .filter((s) => s['kind'] === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${str(s['namespace'])}/${str(s['name'])}` : str(s['name'])))
    .join(', ');

const bindingColumns = [
  column('Role', 'The role the binding grants.'),
  AGE_COLUMN,
  column('Users', 'Users bound.', 1),
  column('Groups', 'Groups bound.', 1),
  column('ServiceAccounts', 'Service accounts bound.', 1),
];
const bindingCells = (obj: StoredObject, now: Date) => {
  const ref = (obj['roleRef'] ?? {}) as Obj;
  return [`${str(ref['kind'])}/${str(ref['name'])}`, ageCell(obj, now), subjectsOf(obj, 'User'), subjectsOf(obj, 'Group'), subjectsOf(obj, 'ServiceAccount')];
};

export const roleStrategy = columns([CREATED_AT], (obj) => [createdAt(obj)]);
export const roleBindingStrategy = columns(bindingColumns, bindingCells);

export const priorityClassStrategy = columns(
  [column('Value', 'The priority.'), column('Global-Default', 'Whether this is the default class.'), AGE_COLUMN, column('PreemptionPolicy', 'Whether pods of this class preempt others.')],
  (obj, now) => [numberField(obj, 'value'), String(obj['globalDefault'] ?? false), ageCell(obj, now), str(obj['preemptionPolicy'] ?? 'PreemptLowerPriority')],
  {
    defaults(obj) {
      obj['preemptionPolicy'] ??= 'PreemptLowerPriority';
    },
  },
);

export const podDisruptionBudgetStrategy = columns(
  [column('Min Available', 'Pods that must stay available.'), column('Max Unavailable', 'Pods that may be unavailable.'), column('Allowed Disruptions', 'Disruptions allowed now.'), AGE_COLUMN],
  (obj, now) => [str(field(obj, 'spec', 'minAvailable') ?? 'N/A'), str(field(obj, 'spec', 'maxUnavailable') ?? 'N/A'), numberField(obj, 'status', 'disruptionsAllowed'), ageCell(obj, now)],
);

export const horizontalPodAutoscalerStrategy = columns(
  [column('Reference', 'The scaled workload.'), column('Targets', 'Current and target metrics.'), column('MinPods', 'The fewest replicas.'), column('MaxPods', 'The most replicas.'), column('Replicas', 'Current replicas.'), AGE_COLUMN],
  (obj, now) => {
    const ref = (field(obj, 'spec', 'scaleTargetRef') ?? {}) as Obj;
    const metrics = list(field(obj, 'spec', 'metrics'));
    const cpu = field(obj, 'spec', 'targetCPUUtilizationPercentage');
    const targets = metrics.length
      ? metrics.map((m) => `<unknown>/${str(field(m, 'resource', 'target', 'averageUtilization') ?? field(m, 'resource', 'target', 'averageValue') ?? '?')}%`).join(', ')
      : cpu !== undefined
        ? `<unknown>/${str(cpu)}%`
        : '<none>';
    return [`${str(ref['kind'])}/${str(ref['name'])}`, targets, numberField(obj, 'spec', 'minReplicas') || 1, numberField(obj, 'spec', 'maxReplicas'), numberField(obj, 'status', 'currentReplicas'), ageCell(obj, now)];
  },
  {
    defaults(obj) {
      const spec = ((obj['spec'] as Obj | undefined) ??= {}) as Obj;
      spec['minReplicas'] ??= 1;
    },
  },
);

export const limitRangeStrategy = columns([CREATED_AT], (obj) => [createdAt(obj)], {
  // Upstream's item defaults for Container limits: default from max, defaultRequest from default, else min.
  defaults(obj) {
    for (const item of list(field(obj, 'spec', 'limits'))) {
      if (item['type'] !== 'Container') continue;
      const max = (item['max'] ?? {}) as Record<string, string>;
      const min = (item['min'] ?? {}) as Record<string, string>;
      const def = { ...max, ...((item['default'] ?? {}) as Record<string, string>) };
      const request = { ...min, ...def, ...((item['defaultRequest'] ?? {}) as Record<string, string>) };
      if (Object.keys(def).length) item['default'] = def;
      if (Object.keys(request).length) item['defaultRequest'] = request;
    }
  },
});

export const resourceQuotaStrategy = columns(
  [AGE_COLUMN, column('Request', 'Requests used and allowed.'), column('Limit', 'Limits used and allowed.')],
  (obj, now) => {
    const hard = (field(obj, 'status', 'hard') ?? field(obj, 'spec', 'hard') ?? {}) as Record<string, string>;
    const used = (field(obj, 'status', 'used') ?? {}) as Record<string, string>;
    const fmt = (keys: string[]) => keys.map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`).join(', ');
    const keys = Object.keys(hard).sort();
    return [ageCell(obj, now), fmt(keys.filter((k) => !k.startsWith('limits.'))), fmt(keys.filter((k) => k.startsWith('limits.')))];
  },
);

export const podTemplateStrategy = columns(
  [column('Containers', 'Names of the containers.'), column('Images', 'Images of the containers.'), column('Pod Labels', 'Labels of the template.')],
  (obj) => {
    const containers = list(field(obj, 'template', 'spec', 'containers'));
    const labels = (field(obj, 'template', 'metadata', 'labels') ?? {}) as Record<string, string>;
    return [containers.map((c) => str(c['name'])).join(','), containers.map((c) => str(c['image'])).join(','), orNone(Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','))];
  },
);

export const controllerRevisionStrategy = columns(
  [column('Controller', 'The owner of the revision.'), column('Revision', 'The revision number.'), AGE_COLUMN],
  (obj, now) => {
    const owner = (obj.metadata.ownerReferences ?? []).find((o) => o.controller);
    return [owner ? `${owner.kind.toLowerCase()}.${owner.apiVersion.split('/')[0]}/${owner.name}` : '<none>', numberField(obj, 'revision'), ageCell(obj, now)];
  },
);

/** events.k8s.io/v1 Events: the newer shape of the same events. */
export const eventsV1Strategy = columns(
  [column('Last Seen', 'When the event was last seen.'), column('Type', 'The type of the event.'), column('Reason', 'The reason of the event.'), column('Object', 'What the event is about.'), column('Message', 'What happened.')],
  (obj, now) => {
    const regarding = (obj['regarding'] ?? {}) as Obj;
    return [age(str(obj['eventTime'] ?? obj.metadata.creationTimestamp) || undefined, now), str(obj['type']), str(obj['reason']), `${str(regarding['kind']).toLowerCase()}/${str(regarding['name'])}`, str(obj['note'])];
  },
  {
    // Upstream's field labels for this group: the regarding object, reason, type and reporter.
    selectableFields(obj) {
      const regarding = (obj['regarding'] ?? {}) as Obj;
      const fields: Record<string, string> = { reason: str(obj['reason']), type: str(obj['type']), reportingController: str(obj['reportingController']) };
      for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) fields[`regarding.${k}`] = str(regarding[k]);
      return fields;
    },
  },
);
