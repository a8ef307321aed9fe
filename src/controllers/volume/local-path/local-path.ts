/**
 * What the local-path provisioner decides (k3s's rancher/local-path-provisioner on
 * sig-storage-lib-external-provisioner), as pure functions: its default StorageClass,
 * which claims it provisions, the PersistentVolume it makes for one (a hostPath
 * directory `<base>/pvc-<uid>_<namespace>_<name>` on the node the scheduler picked,
 * pinned there by node affinity), which volumes it deletes, and the short-lived helper
 * pods, pinned to the volume's node, that create the directory before the volume exists
 * and remove it before a released volume is deleted.
 */
import { posix } from 'node:path';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { toValue } from '../../../api/quantity.js';
import { claimReference } from '../binding.js';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_DEFAULT_STORAGE_CLASS,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  requestedStorage,
  volumeCapacity,
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

// ---- helper pods ----

/** Where k3s runs the provisioner, and so its helper pods. */
export const DEFAULT_HELPER_NAMESPACE = 'kube-system';
/** The helper image k3s 1.32 configures in its local-path-config helperPod.yaml. */
export const DEFAULT_HELPER_IMAGE = 'rancher/mirrored-library-busybox:1.36.1';
/** Upstream's default cmdTimeoutSeconds: how long a helper pod may take to succeed. */
export const DEFAULT_HELPER_TIMEOUT_SECONDS = 120;
/** Upstream cuts helper pod names at this length (HelperPodNameMaxLength). */
export const HELPER_POD_NAME_MAX_LENGTH = 128;
/** Upstream's default setup and teardown scripts (the local-path-config ConfigMap). */
export const DEFAULT_SETUP_SCRIPT = 'set -eu\nmkdir -m 0777 -p "$VOL_DIR"\n';
export const DEFAULT_TEARDOWN_SCRIPT = 'set -eu\nrm -rf "$VOL_DIR"\n';

export type HelperAction = 'create' | 'delete';

/** `helper-pod-<action>-<pv>`, as upstream names them from its helper-pod template. */
export function helperPodName(action: HelperAction, volumeName: string): string {
  return `helper-pod-${action}-${volumeName}`.slice(0, HELPER_POD_NAME_MAX_LENGTH);
}

export interface HelperPodSpec {
  action: HelperAction;
  volumeName: string;
  /** The volume's directory on the node (absolute). */
  path: string;
  node: string;
  namespace: string;
  image: string;
  /** The shell script run with VOL_DIR, VOL_MODE and VOL_SIZE_BYTES set. */
  script: string;
  volumeMode: string;
  sizeBytes: bigint;
  priorityClassName?: string | undefined;
}

/**
 * The helper pod for one volume (upstream createHelperPod): pinned to the node by
 * nodeName so no scheduler is involved, never restarted, tolerating every taint as the
 * version k3s 1.32 bundles does, with the volume's parent directory mounted at the same
 * path (DirectoryOrCreate) so VOL_DIR means the same inside and outside. The script runs
 * inline under `sh -c` instead of from a mounted ConfigMap: Skiff ships no local-path-config.
 * Throws with upstream's wording when the path cannot be split into parent and volume.
 */
export function helperPod(spec: HelperPodSpec): Pod {
  const fail = (message: string): never => {
    throw new Error(`failed to ${spec.action} volume ${spec.volumeName}: ${message}`);
  };
  if (!spec.volumeName || !spec.path || !spec.node) fail('invalid empty name or path or node');
  if (!posix.isAbsolute(spec.path)) fail(`volume path ${spec.path} is not absolute`);
  const path = posix.normalize(spec.path).replace(/\/+$/, '');
  const parentDir = posix.dirname(path);
  const volumeDir = posix.basename(path);
  if (!path || parentDir === '/' || !volumeDir) fail(`invalid path ${spec.action} for ${spec.path}: cannot find parent dir or volume dir or parent dir is relative`);
  const size = spec.sizeBytes.toString();
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: helperPodName(spec.action, spec.volumeName), namespace: spec.namespace },
    spec: {
      nodeName: spec.node,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: 'helper-pod',
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', '-c', spec.script],
          env: [
            { name: 'VOL_DIR', value: posix.join(parentDir, volumeDir) },
            { name: 'VOL_MODE', value: spec.volumeMode },
            { name: 'VOL_SIZE_BYTES', value: size },
          ],
          volumeMounts: [{ name: 'data', mountPath: parentDir }],
        },
      ],
      volumes: [{ name: 'data', hostPath: { path: parentDir, type: 'DirectoryOrCreate' } }],
    },
  };
  if (spec.priorityClassName) pod.spec!.priorityClassName = spec.priorityClassName;
  return pod;
}

/** What the create helper needs from a claim: its requested size in bytes, as upstream's storage.Value(). */
export const claimSizeBytes = (claim: PersistentVolumeClaim): bigint => toValue(requestedStorage(claim));
export const volumeSizeBytes = (volume: PersistentVolume): bigint => toValue(volumeCapacity(volume));

/**
 * The directory and node of a volume this provisioner made (upstream getPathAndNodeForPV):
 * the node is the single value of the hostname node-affinity term. An error string otherwise.
 */
export function volumePathAndNode(volume: PersistentVolume): { path: string; node: string } | { error: string } {
  const path = volume.spec?.hostPath?.path ?? volume.spec?.local?.path;
  if (!path) return { error: 'no path set' };
  const required = volume.spec?.nodeAffinity?.required;
  if (!volume.spec?.nodeAffinity) return { error: 'no NodeAffinity set' };
  if (!required) return { error: 'no NodeAffinity.Required set' };
  for (const term of required.nodeSelectorTerms ?? []) {
    for (const expr of term.matchExpressions ?? []) {
      if (expr.key !== HOSTNAME_LABEL || expr.operator !== 'In') continue;
      if ((expr.values ?? []).length !== 1) return { error: 'multiple values for the node affinity' };
      return { path, node: expr.values![0]! };
    }
  }
  return { error: 'cannot find affinited node' };
}

/** Where a helper pod stands: still to wait for, done, or failed (and why). */
export type HelperOutcome = { state: 'running' } | { state: 'succeeded' } | { state: 'failed'; reason: string };

/**
 * Upstream only ever waits for Succeeded, so a failed helper costs the whole timeout
 * there; with restartPolicy Never a Failed pod cannot recover, so it is a failure at once.
 */
export function helperOutcome(pod: Pod): HelperOutcome {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return { state: 'succeeded' };
  if (phase !== 'Failed') return { state: 'running' };
  const terminated = pod.status?.containerStatuses?.find((c) => c.state?.terminated)?.state?.terminated;
  const detail = terminated ? ` (exit code ${terminated.exitCode}${terminated.reason ? `, ${terminated.reason}` : ''})` : pod.status?.reason ? ` (${pod.status.reason})` : '';
  return { state: 'failed', reason: `helper pod ${pod.metadata?.name ?? ''} failed${detail}` };
}

/** Upstream's timeout message, which says "create" for both actions. */
export const helperTimeoutMessage = (seconds: number): string => `create process timeout after ${seconds} seconds`;
