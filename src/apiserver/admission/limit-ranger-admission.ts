/**
 * The LimitRanger admission plugin: for a new pod, container defaults from every
 * LimitRange of its namespace (mutating), then the ranges' Container and Pod checks
 * (validating); for a claim created or resized, the PersistentVolumeClaim checks.
 * A violation is 403 Forbidden with upstream's wording.
 */
import type { LimitRange, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { Mutable, StoredObject } from '../../api/object.js';
import type { Rollback, StoreHooks } from '../registry/store-hooks.js';
import { admissionForbidden } from './forbidden.js';
import { aggregate, applyContainerDefaults, validateClaim, validatePod } from './limit-ranger.js';

export interface LimitRangeSource {
  list(namespace: string): Promise<StoredObject[]>;
}

const noRollback: Rollback = async () => {};

export function limitRangerAdmission(kind: 'Pod' | 'PersistentVolumeClaim', ranges: LimitRangeSource): StoreHooks {
  const rangesOf = async (obj: StoredObject) => (await ranges.list(obj.metadata.namespace ?? '')) as unknown as LimitRange[];
  if (kind === 'Pod') {
    return {
      async mutateCreate(obj) {
        for (const lr of await rangesOf(obj)) applyContainerDefaults(obj as unknown as Mutable<Pod>, lr);
      },
      async beforeCreate(obj) {
        const errors = (await rangesOf(obj)).flatMap((lr) => validatePod(obj as unknown as Pod, lr));
        if (errors.length) throw admissionForbidden('', 'pods', obj.metadata.name ?? '', aggregate(errors));
        return noRollback;
      },
    };
  }
  const check = async (obj: StoredObject): Promise<Rollback> => {
    const errors = (await rangesOf(obj)).flatMap((lr) => validateClaim(obj as unknown as PersistentVolumeClaim, lr));
    if (errors.length) throw admissionForbidden('', 'persistentvolumeclaims', obj.metadata.name ?? '', aggregate(errors));
    return noRollback;
  };
  return { beforeCreate: check, beforeUpdate: check };
}
