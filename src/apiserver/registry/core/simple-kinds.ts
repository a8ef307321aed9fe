/**
 * Core kinds whose strategy is mostly columns and a few defaults: ConfigMap, Secret,
 * Namespace, ServiceAccount, Endpoints, Event, Node, PersistentVolume(Claim),
 * ComponentStatus.
 */
import type { Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Secret } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../../../api/errors.js';
import type { Mutable, StoredObject } from '../../../api/object.js';
import { rfc3339 } from '../../../api/time.js';
import { age } from '../../../api/human-duration.js';
import { AGE_COLUMN, ageCell, column, defaultStrategy, field, orNone } from '../default-strategy.js';
import type { Strategy } from '../strategy.js';

const countKeys = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);

/** Upstream's limit on a ConfigMap's or Secret's data, keys and values together. */
const MAX_DATA_BYTES = 1024 * 1024;

function dataSize(obj: StoredObject, fields: string[], decodeBase64: boolean): number {
  let total = 0;
  for (const f of fields) {
    for (const [k, v] of Object.entries((obj[f] as Record<string, string> | undefined) ?? {})) {
      total += k.length + (decodeBase64 || f === 'binaryData' ? Buffer.byteLength(String(v), 'base64') : Buffer.byteLength(String(v)));
    }
  }
  return total;
}

function tooMuchData(size: number): FieldError[] {
  return size > MAX_DATA_BYTES ? [{ type: 'FieldValueTooLong', field: '', detail: `must have at most ${MAX_DATA_BYTES} bytes` }] : [];
}

export const configMapStrategy: Strategy = {
  ...defaultStrategy,
  validate: (obj) => tooMuchData(dataSize(obj, ['data', 'binaryData'], false)),
  validateUpdate: (obj) => tooMuchData(dataSize(obj, ['data', 'binaryData'], false)),
  columns: [column('Data', 'Number of data entries.'), AGE_COLUMN],
  cells: (obj, now) => [countKeys(obj['data']) + countKeys(obj['binaryData']), ageCell(obj, now)],
};

export const secretStrategy: Strategy = {
  ...defaultStrategy,
  defaults(obj) {
    const s = obj as unknown as Mutable<Secret>;
    s.type ??= 'Opaque';
    // stringData is write-only convenience: it is merged into data (base64) and never stored.
    if (s.stringData) {
      s.data = { ...(s.data ?? {}) };
      for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      delete s.stringData;
    }
  },
  validate: (obj) => tooMuchData(dataSize(obj, ['data'], true)),
  validateUpdate: (obj) => tooMuchData(dataSize(obj, ['data'], true)),
  columns: [column('Type', 'The type of the secret.'), column('Data', 'Number of data entries.'), AGE_COLUMN],
  cells: (obj, now) => [(obj as unknown as Secret).type ?? 'Opaque', countKeys(obj['data']), ageCell(obj, now)],
  selectableFields: (obj) => ({ type: (obj as unknown as Secret).type ?? '' }),
};

export const namespaceStrategy: Strategy = {
  ...defaultStrategy,
  nameRule: 'label',
  defaults(obj) {
    const ns = obj as unknown as Mutable<Namespace>;
    ns.spec ??= {};
    ns.spec.finalizers ??= ['kubernetes'];
    ns.status ??= {};
    ns.status.phase ??= 'Active';
    ns.metadata!.labels = { ...(ns.metadata!.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata!.name ?? '' };
  },
  prepareForUpdate(obj, old, subresource) {
    const ns = obj as unknown as Mutable<Namespace>;
    // spec.finalizers change only through /finalize; phase follows deletion.
    if (subresource !== 'finalize') ns.spec = structuredClone((old as unknown as Namespace).spec ?? {});
    if (ns.metadata?.deletionTimestamp) ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
  },
  // The namespace controller empties a terminating namespace, then clears spec.finalizers
  // through /finalize; only then is the namespace itself removed.
  hasKindFinalizers: (obj) => ((obj as unknown as Namespace).spec?.finalizers?.length ?? 0) > 0,
  columns: [column('Status', 'The status of the namespace'), AGE_COLUMN],
  cells: (obj, now) => [(obj as unknown as Namespace).status?.phase ?? 'Active', ageCell(obj, now)],
  selectableFields: (obj) => ({ 'status.phase': (obj as unknown as Namespace).status?.phase ?? '' }),
};

export const serviceAccountStrategy: Strategy = {
  ...defaultStrategy,
  columns: [column('Secrets', 'Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount.'), AGE_COLUMN],
  cells: (obj, now) => [Array.isArray(obj['secrets']) ? obj['secrets'].length : 0, ageCell(obj, now)],
};

export const endpointsStrategy: Strategy = {
  ...defaultStrategy,
  columns: [column('Endpoints', 'Endpoints of the service, ip:port, up to three.'), AGE_COLUMN],
  cells(obj, now) {
    const addrs: string[] = [];
    const subsets = (obj['subsets'] as { addresses?: { ip: string }[]; ports?: { port: number }[] }[] | undefined) ?? [];
    for (const s of subsets) {
      for (const a of s.addresses ?? []) {
        if (s.ports?.length) for (const p of s.ports) addrs.push(`${a.ip}:${p.port}`);
        else addrs.push(a.ip);
      }
    }
    const shown = addrs.slice(0, 3).join(',');
    return [addrs.length === 0 ? '<none>' : addrs.length > 3 ? `${shown} + ${addrs.length - 3} more...` : shown, ageCell(obj, now)];
  },
};

export const eventStrategy: Strategy = {
  ...defaultStrategy,
  columns: [
    column('Last Seen', 'The time the event was last seen.'),
    column('Type', 'The type of the event.'),
    column('Reason', 'The reason of the event.'),
    column('Object', 'The object the event is about.'),
    column('Subobject', 'The part of the object the event is about.', 1),
    column('Source', 'Who reported the event.', 1),
    column('Message', 'A human-readable description of the event.'),
    column('First Seen', 'The time the event was first seen.', 1),
    column('Count', 'How often the event happened.', 1),
    column('Name', 'The name of the event.', 1),
  ],
  cells(obj, now) {
    const e = obj as unknown as Event;
    const last = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
    const first = e.firstTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
    const involved = `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`;
    const source = e.source?.component ? `${e.source.component}${e.source.host ? `, ${e.source.host}` : ''}` : (e.reportingComponent ?? '');
    return [age(last, now), e.type ?? '', e.reason ?? '', involved, e.involvedObject.fieldPath ?? '', source, e.message ?? '', age(first, now), e.count ?? 1, e.metadata.name ?? ''];
  },
  selectableFields(obj) {
    const e = obj as unknown as Event;
    return {
      'involvedObject.kind': e.involvedObject?.kind ?? '',
      'involvedObject.namespace': e.involvedObject?.namespace ?? '',
      'involvedObject.name': e.involvedObject?.name ?? '',
      'involvedObject.uid': e.involvedObject?.uid ?? '',
      'involvedObject.apiVersion': e.involvedObject?.apiVersion ?? '',
      'involvedObject.resourceVersion': e.involvedObject?.resourceVersion ?? '',
      'involvedObject.fieldPath': e.involvedObject?.fieldPath ?? '',
      reason: e.reason ?? '',
      reportingComponent: e.reportingComponent ?? '',
      source: e.source?.component ?? '',
      type: e.type ?? '',
    };
  },
};

function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

export const nodeStrategy: Strategy = {
  ...defaultStrategy,
  columns: [
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', "The node's internal IP address.", 1),
    column('External-IP', "The node's external IP address.", 1),
    column('OS-Image', 'OS image reported by the node.', 1),
    column('Kernel-Version', 'Kernel version reported by the node.', 1),
    column('Container-Runtime', 'Container runtime reported by the node.', 1),
  ],
  cells(obj, now) {
    const node = obj as unknown as Node;
    const roles = Object.keys(node.metadata?.labels ?? {})
      .filter((l) => l.startsWith('node-role.kubernetes.io/'))
      .map((l) => l.slice('node-role.kubernetes.io/'.length))
      .sort();
    const addr = (type: string) => node.status?.addresses?.find((a) => a.type === type)?.address;
    const info = node.status?.nodeInfo;
    return [
      nodeStatus(node),
      roles.length ? roles.join(',') : '<none>',
      ageCell(obj, now),
      info?.kubeletVersion ?? '',
      orNone(addr('InternalIP')),
      orNone(addr('ExternalIP')),
      info?.osImage ?? '<unknown>',
      info?.kernelVersion ?? '<unknown>',
      info?.containerRuntimeVersion ?? '<unknown>',
    ];
  },
  selectableFields: (obj) => ({ 'spec.unschedulable': String((obj as unknown as Node).spec?.unschedulable ?? false) }),
};

const accessModes = (modes: string[] | undefined) =>
  (modes ?? []).map((m) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(',');

export const persistentVolumeStrategy: Strategy = {
  ...defaultStrategy,
  defaults(obj) {
    const pv = obj as unknown as PersistentVolume;
    pv.spec ??= {};
    pv.spec.persistentVolumeReclaimPolicy ??= 'Retain';
    pv.spec.volumeMode ??= 'Filesystem';
  },
  prepareForCreate(obj, now) {
    (obj as unknown as Mutable<PersistentVolume>).status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(now) };
  },
  prepareForUpdate(obj, old, subresource, now) {
    const pv = obj as unknown as Mutable<PersistentVolume>;
    // The transition time follows every phase change (status writes).
    if (subresource === 'status' && pv.status && pv.status.phase !== (old as unknown as PersistentVolume).status?.phase) {
      pv.status.lastPhaseTransitionTime = rfc3339(now);
    }
  },
  columns: [
    column('Capacity', 'The capacity of the volume.'),
    column('Access Modes', 'The access modes of the volume.'),
    column('Reclaim Policy', 'What happens to the volume when its claim is released.'),
    column('Status', 'The phase of the volume.'),
    column('Claim', 'The claim bound to the volume.'),
    column('StorageClass', 'The storage class of the volume.'),
    column('VolumeAttributesClass', 'The volume attributes class of the volume.'),
    column('Reason', 'Why the volume is in its phase.'),
    AGE_COLUMN,
    column('VolumeMode', 'Whether the volume is a filesystem or a block device.', 1),
  ],
  cells(obj, now) {
    const pv = obj as unknown as PersistentVolume;
    const ref = pv.spec?.claimRef;
    return [
      String(field(pv, 'spec', 'capacity', 'storage') ?? ''),
      accessModes(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      pv.status?.phase ?? '',
      ref ? `${ref.namespace}/${ref.name}` : '',
      pv.spec?.storageClassName ?? '',
      pv.spec?.volumeAttributesClassName || '<unset>',
      pv.status?.reason ?? '',
      ageCell(obj, now),
      pv.spec?.volumeMode ?? 'Filesystem',
    ];
  },
  selectableFields: (obj) => ({ 'spec.storageClassName': (obj as unknown as PersistentVolume).spec?.storageClassName ?? '' }),
};

export const persistentVolumeClaimStrategy: Strategy = {
  ...defaultStrategy,
  defaults(obj) {
    const pvc = obj as unknown as PersistentVolumeClaim;
    pvc.spec ??= {};
    pvc.spec.volumeMode ??= 'Filesystem';
  },
  prepareForCreate(obj) {
    (obj as unknown as Mutable<PersistentVolumeClaim>).status = { phase: 'Pending' };
  },
  columns: [
    column('Status', 'The phase of the claim.'),
    column('Volume', 'The volume bound to the claim.'),
    column('Capacity', 'The capacity of the bound volume.'),
    column('Access Modes', 'The access modes of the bound volume.'),
    column('StorageClass', 'The storage class of the claim.'),
    column('VolumeAttributesClass', 'The volume attributes class of the claim.'),
    AGE_COLUMN,
    column('VolumeMode', 'Whether the claim wants a filesystem or a block device.', 1),
  ],
  cells(obj, now) {
    const pvc = obj as unknown as PersistentVolumeClaim;
    const bound = pvc.status?.phase === 'Bound';
    return [
      pvc.status?.phase ?? '',
      pvc.spec?.volumeName ?? '',
      bound ? String(field(pvc, 'status', 'capacity', 'storage') ?? '') : '',
      bound ? accessModes(pvc.status?.accessModes) : '',
      pvc.spec?.storageClassName ?? '',
      pvc.spec?.volumeAttributesClassName || '<unset>',
      ageCell(obj, now),
      pvc.spec?.volumeMode ?? 'Filesystem',
    ];
  },
};

export const componentStatusStrategy: Strategy = {
  ...defaultStrategy,
  columns: [column('Status', 'Status of the component conditions'), column('Message', 'Message of the component conditions'), column('Error', 'Error of the component conditions')],
  cells(obj: StoredObject) {
    const c = ((obj['conditions'] as { type: string; status: string; message?: string; error?: string }[] | undefined) ?? []).find((x) => x.type === 'Healthy');
    return [c ? (c.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown', c?.message ?? '', c?.error ?? ''];
  },
};
