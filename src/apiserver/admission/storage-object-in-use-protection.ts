/**
 * StorageObjectInUseProtection admission: every new PersistentVolumeClaim carries the
 * kubernetes.io/pvc-protection finalizer and every new PersistentVolume the
 * kubernetes.io/pv-protection one, so neither disappears while a pod (or a bound claim)
 * still uses it; the protection controllers remove the finalizer when it is safe.
 */
import type { StoredObject } from '../../api/object.js';
import type { StoreHooks } from '../registry/store-hooks.js';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export function addFinalizer(obj: StoredObject, finalizer: string): void {
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) obj.metadata.finalizers = [...finalizers, finalizer];
}

export function storageProtectionAdmission(kind: 'PersistentVolumeClaim' | 'PersistentVolume'): StoreHooks {
  const finalizer = kind === 'PersistentVolumeClaim' ? PVC_PROTECTION_FINALIZER : PV_PROTECTION_FINALIZER;
  return {
    async mutateCreate(obj) {
      addFinalizer(obj, finalizer);
    },
  };
}
