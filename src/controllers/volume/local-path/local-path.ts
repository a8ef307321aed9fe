/**
 * What the local-path provisioner decides (k3s's rancher/local-path-provisioner on
 * sig-storage-lib-external-provisioner), as pure functions: its default StorageClass,
 * which claims it provisions, the PersistentVolume it makes for one (a hostPath
 * directory `<base>/pvc-<uid>_<namespace>_<name>` on the node the scheduler picked,
 * pinned there by node affinity), and which volumes it deletes.
 *
 * Upstream runs a helper pod to create the directory before it returns the volume; here
 * the volume says hostPath type DirectoryOrCreate and the node agent makes it when a pod
 * mounts it, so the provisioner only writes API objects.
 */
import { posix } from 'node:path';
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { claimReference } from '../binding.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_DEFAULT_STORAGE_CLASS,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
} from '../volume-util.js';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const LOCAL_PATH_STORAGE_CLASS = 'local-path';
export const DEFAULT_LOCAL_PATH_BASE_DIR = '/var/lib/skiff/storage';
/** The node label local volumes are pinned by (upstream KeyNode). */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** The class k3s ships: default, WaitForFirstConsumer, Delete. */
export function localPathStorageClass(name = LOCAL_PATH_STORAGE_CLASS, provisioner = LOCAL_PATH_PROVISIONER): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, annotations: { [ANN_DEFAULT_STORAGE_CLASS]: 'true' } },
    provisioner,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** The volume made for a claim is named after the claim's uid (the library's default). */
export const volumeNameFor = (claim: PersistentVolumeClaim): string => `pvc-${claim.metadata?.uid ?? ''}`;

export const volumePathFor = (baseDir: string, claim: PersistentVolumeClaim): string =>
  posix.join(baseDir, [volumeNameFor(claim), claim.metadata?.namespace ?? '', claim.metadata?.name ?? ''].join('_'));

/**
 * Whether this provisioner should make a volume for the claim now (the library's
 * shouldProvision): unbound, handed to it by the binder's storage-provisioner annotation,
 * and for a WaitForFirstConsumer class, placed on a node by the scheduler.
 */
export function shouldProvision(claim: PersistentVolumeClaim, sc: StorageClass | undefined, provisioner: string): boolean {
  if (claim.spec?.volumeName) return false;
  if (claim.metadata?.deletionTimestamp) return false;
  const a = claim.metadata?.annotations ?? {};
  const asked = a[ANN_STORAGE_PROVISIONER] ?? a[ANN_BETA_STORAGE_PROVISIONER];
  if (asked !== provisioner) return false;
  if (!sc || sc.provisioner !== provisioner) return false;
  if (sc.volumeBindingMode === 'WaitForFirstConsumer') return !!a[ANN_SELECTED_NODE];
  return true;
}

/** Why the claim cannot have a local-path volume, or undefined. */
export function unsupportedClaim(claim: PersistentVolumeClaim): string | undefined {
  if (claim.spec?.selector) return 'claim.Spec.Selector is not supported';
  for (const mode of claim.spec?.accessModes ?? []) {
    if (mode !== 'ReadWriteOnce' && mode !== 'ReadWriteOncePod') return 'Only support ReadWriteOnce access mode';
  }
  if ((claim.spec?.volumeMode ?? 'Filesystem') !== 'Filesystem') return 'Only support Filesystem volume mode';
  if (!claim.metadata?.annotations?.[ANN_SELECTED_NODE]) return 'configuration error, no node was specified';
  return undefined;
}

/** The hostPath volume for the claim on `node`, already reserved for the claim. */
export function localPathVolume(claim: PersistentVolumeClaim, sc: StorageClass, node: Node, baseDir: string, provisioner: string): PersistentVolume {
  const hostname = node.metadata?.labels?.[HOSTNAME_LABEL] ?? node.metadata?.name ?? '';
  const volume: PersistentVolume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: volumeNameFor(claim), annotations: { [ANN_DYNAMICALLY_PROVISIONED]: provisioner } },
    spec: {
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      accessModes: [...(claim.spec?.accessModes ?? [])],
      volumeMode: 'Filesystem',
      capacity: { storage: claim.spec?.resources?.requests?.['storage'] ?? '0' },
      hostPath: { path: volumePathFor(baseDir, claim), type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [hostname] }] }] } },
      claimRef: claimReference(claim),
      storageClassName: claimClass(claim),
    },
  };
  if (sc.mountOptions?.length) volume.spec!.mountOptions = [...sc.mountOptions];
  return volume;
}

/** The library's shouldDelete: a Released volume this provisioner made, with reclaim policy Delete. */
export function shouldDelete(volume: PersistentVolume, provisioner: string): boolean {
  if (volume.metadata?.deletionTimestamp) return false;
  if (volume.status?.phase !== 'Released') return false;
  if (volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') return false;
  return volume.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED] === provisioner;
}
