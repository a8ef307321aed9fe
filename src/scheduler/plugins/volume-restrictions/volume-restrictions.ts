/**
 * VolumeRestrictions (upstream plugins/volumerestrictions), the ReadWriteOncePod part: a
 * claim with the ReadWriteOncePod access mode may be used by one pod at a time, so a pod
 * using such a claim that another placed pod already uses fits nowhere until that pod
 * goes (Unschedulable, as upstream, since removing the other pod would help).
 */
import type { Plugin, FrameworkHandle } from '../../types.js';
import { skip, unschedulable } from '../../types.js';
import { podClaims } from '../volume-binding/volume-util.js';

export const NAME = 'VolumeRestrictions';
export const ERR_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

const STATE = 'VolumeRestrictions';

export function newVolumeRestrictions(handle: FrameworkHandle): Plugin {
  const { listers } = handle;
  return {
    name: NAME,
    events: ['Pod/Delete', 'PersistentVolumeClaim/Change'],
    preFilter(state, pod, snapshot) {
      const rwop = new Set<string>();
      for (const ref of podClaims(pod.pod)) {
        const pvc = listers.persistentVolumeClaim(pod.namespace, ref.name);
        if (pvc?.spec?.accessModes?.includes('ReadWriteOncePod')) rwop.add(ref.name);
      }
      if (rwop.size === 0) return skip();
      let conflicts = 0;
      for (const node of snapshot.nodes) {
        for (const other of node.pods.values()) {
          if (other.key === pod.key || other.namespace !== pod.namespace) continue;
          for (const ref of podClaims(other.pod)) if (rwop.has(ref.name)) conflicts++;
        }
      }
      state.set(STATE, conflicts);
      return undefined;
    },
    filter(state) {
      const conflicts = state.get(STATE) as number | undefined;
      return conflicts ? unschedulable(ERR_RWOP_CONFLICT) : undefined;
    },
  };
}
