/**
 * DefaultStorageClass admission: a new PersistentVolumeClaim that names no class (no
 * spec.storageClassName at all, and no beta class annotation) gets the default
 * StorageClass — the one annotated storageclass.kubernetes.io/is-default-class "true".
 * With several defaults the newest wins, ties by name, as upstream since 1.28. An
 * explicit "" means "no class" and is left alone.
 */
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { Mutable, StoredObject } from '../../api/object.js';
import type { StoreHooks } from '../registry/store-hooks.js';

export const IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_IS_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

export interface StorageClassSource {
  list(): Promise<StoredObject[]>;
}

export function isDefaultClass(sc: StoredObject): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || (a[IS_DEFAULT_CLASS_ANNOTATION] === undefined && a[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true');
}

/** The default class among `classes`: newest creationTimestamp first, then name. */
export function pickDefaultClass(classes: StoredObject[]): StoredObject | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => {
    const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
    if (ta !== tb) return tb - ta;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  });
  return defaults[0];
}

export function defaultStorageClassAdmission(classes: StorageClassSource): StoreHooks {
  return {
    async mutateCreate(obj) {
      const pvc = obj as unknown as Mutable<PersistentVolumeClaim>;
      if (pvc.spec?.storageClassName !== undefined && pvc.spec.storageClassName !== null) return;
      if (obj.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] !== undefined) return;
      const chosen = pickDefaultClass(await classes.list());
      if (!chosen?.metadata.name) return;
      pvc.spec = { ...(pvc.spec ?? {}), storageClassName: chosen.metadata.name };
    },
  };
}
