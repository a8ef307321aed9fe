/**
 * VolumeZone (upstream plugins/volumezone): a pod whose bound volumes carry zone or region
 * labels may only go to nodes in one of those zones/regions. A volume label may list
 * several zones joined by "__"; nodes with no zone or region label are not constrained.
 * Unbound claims are VolumeBinding's concern.
 */
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import { skip, unresolvable, type FrameworkHandle, type Plugin } from '../../types.js';
import { podClaims } from '../volume-binding/volume-util.js';

export const NAME = 'VolumeZone';
export const ERR_CONFLICT = 'node(s) had no available volume zone';

/** The topology labels, with the beta keys mapped to their GA equivalents. */
const TOPOLOGY_LABELS: Record<string, string> = {
  'topology.kubernetes.io/zone': 'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region': 'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone': 'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region': 'topology.kubernetes.io/region',
};

interface Topology {
  key: string;
  values: Set<string>;
}

const STATE = 'VolumeZone';

export function volumeTopologies(pv: PersistentVolume): Topology[] {
  const out: Topology[] = [];
  for (const [key, value] of Object.entries(pv.metadata?.labels ?? {})) {
    if (TOPOLOGY_LABELS[key] === undefined) continue;
    out.push({ key, values: new Set(String(value).split('__')) });
  }
  return out;
}

export function newVolumeZone(handle: FrameworkHandle): Plugin {
  const { listers } = handle;
  return {
    name: NAME,
    events: ['Node/Add', 'Node/UpdateLabel', 'PersistentVolume/Change', 'PersistentVolumeClaim/Change', 'StorageClass/Change'],
    preFilter(state, pod) {
      const topologies: Topology[] = [];
      for (const ref of podClaims(pod.pod)) {
        const pvc = listers.persistentVolumeClaim(pod.namespace, ref.name);
        const pv = pvc?.spec?.volumeName ? listers.persistentVolume(pvc.spec.volumeName) : undefined;
        if (pv) topologies.push(...volumeTopologies(pv));
      }
      if (topologies.length === 0) return skip();
      state.set(STATE, topologies);
      return undefined;
    },
    filter(state, _pod, node) {
      const topologies = state.get(STATE) as Topology[] | undefined;
      if (!topologies) return undefined;
      if (!Object.keys(TOPOLOGY_LABELS).some((k) => node.labels[k] !== undefined)) return undefined;
      for (const t of topologies) {
        const value = node.labels[t.key] ?? node.labels[TOPOLOGY_LABELS[t.key]!];
        if (value === undefined || !t.values.has(value)) return unresolvable(ERR_CONFLICT);
      }
      return undefined;
    },
  };
}
