/**
 * Pure helpers on PersistentVolumes and claims, as upstream's storage helpers: which
 * claims a pod uses, a claim's or volume's class, whether a class delays binding to the
 * first consumer, whether a volume's node affinity admits a node, and which available
 * volume best fits a claim on a node (the smallest that is big enough).
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { labelSelectorFromObject, matchLabels, type MetaLabelSelector } from '../../../api/labels.js';
import { compareQuantities, parseQuantity, type Quantity } from '../../../api/quantity.js';
import { termMatchesNode } from '../../../api/scheduling/node-selector.js';

export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
/** A class with this provisioner cannot provision (local volumes made by hand). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export interface ClaimRef {
  /** The claim's name as the pod refers to it. */
  name: string;
  /** Generic ephemeral volume: the claim is made by the ephemeral volume controller for this pod. */
  ephemeral: boolean;
}

/** The claims a pod's volumes use (persistentVolumeClaim and generic ephemeral volumes). */
export function podClaims(pod: Pod): ClaimRef[] {
  const out: ClaimRef[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) out.push({ name: v.persistentVolumeClaim.claimName, ephemeral: false });
    else if (v.ephemeral) out.push({ name: ephemeralClaimName(pod, v), ephemeral: true });
  }
  return out;
}

export function ephemeralClaimName(pod: Pod, v: Volume): string {
  return `${pod.metadata?.name ?? ''}-${v.name}`;
}

export function claimClass(pvc: PersistentVolumeClaim): string {
  const ann = pvc.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS];
  return ann !== undefined ? ann : (pvc.spec?.storageClassName ?? '');
}

export function volumeClass(pv: PersistentVolume): string {
  const ann = pv.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS];
  return ann !== undefined ? ann : (pv.spec?.storageClassName ?? '');
}

export function isDelayBinding(cls: StorageClass | undefined): boolean {
  return cls?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** Bound from both sides: the claim names its volume and the binder finished (annotation, or phase Bound). */
export function claimFullyBound(pvc: PersistentVolumeClaim): boolean {
  if (!pvc.spec?.volumeName) return false;
  return pvc.metadata?.annotations?.[ANN_BIND_COMPLETED] !== undefined || pvc.status?.phase === 'Bound';
}

/** A volume's required node affinity against a node (no affinity admits every node). */
export function volumeAdmitsNode(pv: PersistentVolume, nodeName: string, labels: Record<string, string>): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => termMatchesNode(t, nodeName, labels));
}

export function volumeBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

const ZERO = parseQuantity('0');

function quantity(v: string | number | undefined): Quantity {
  if (v === undefined) return ZERO;
  try {
    return parseQuantity(String(v));
  } catch {
    return ZERO;
  }
}

export const claimRequest = (pvc: PersistentVolumeClaim): Quantity => quantity(pvc.spec?.resources?.requests?.['storage']);
const volumeCapacity = (pv: PersistentVolume): Quantity => quantity(pv.spec?.capacity?.['storage']);

/** Claims smallest request first, so small claims do not take the big volumes (upstream byPVCSize). */
export function bySize(a: PersistentVolumeClaim, b: PersistentVolumeClaim): number {
  return compareQuantities(claimRequest(a), claimRequest(b));
}

function accessModesFit(pvc: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  const have = pv.spec?.accessModes ?? [];
  return (pvc.spec?.accessModes ?? []).every((m) => have.includes(m));
}

const mode = (m: string | undefined) => m ?? 'Filesystem';

/**
 * The volume to bind `pvc` to on the node (upstream FindMatchingVolume, delayed binding):
 * one pre-bound to the claim if its affinity admits the node, otherwise the smallest
 * unclaimed, not terminating volume of the claim's class that is big enough, has the
 * access modes and volume mode, matches the claim's selector and admits the node.
 */
export function findMatchingVolume(
  pvc: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  nodeName: string,
  labels: Record<string, string>,
  excluded: ReadonlySet<string>,
): PersistentVolume | undefined {
  const requested = claimRequest(pvc);
  const cls = claimClass(pvc);
  const selector = pvc.spec?.selector ? labelSelectorFromObject(pvc.spec.selector as MetaLabelSelector) : undefined;
  let best: PersistentVolume | undefined;
  let bestSize: Quantity | undefined;
  for (const pv of volumes) {
    const name = pv.metadata?.name ?? '';
    if (excluded.has(name)) continue;
    const size = volumeCapacity(pv);
    if (compareQuantities(size, requested) < 0) continue;
    if (mode(pv.spec?.volumeMode) !== mode(pvc.spec?.volumeMode)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const admits = volumeAdmitsNode(pv, nodeName, labels);
    if (volumeBoundToClaim(pv, pvc)) return admits ? pv : undefined;
    if (pv.spec?.claimRef) continue;
    if (selector && !matchLabels(selector, (pv.metadata?.labels ?? {}) as Record<string, string>)) continue;
    if (volumeClass(pv) !== cls) continue;
    if (!admits || !accessModesFit(pvc, pv)) continue;
    if (!best || compareQuantities(bestSize!, size) > 0) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}

/** Whether a class's allowedTopologies admit the node (none admits every node). */
export function classAdmitsNode(cls: StorageClass, labels: Record<string, string>): boolean {
  const terms = cls.allowedTopologies ?? [];
  if (terms.length === 0) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => labels[e.key] !== undefined && e.values.includes(labels[e.key]!)));
}

/** The volume written back bound to the claim (upstream GetBindVolumeToClaim); undefined if it already is. */
export function bindVolumeToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): PersistentVolume | undefined {
  if (volumeBoundToClaim(pv, pvc) && pv.spec?.claimRef?.uid) return undefined;
  const annotations = { ...pv.metadata?.annotations };
  // The controller made the binding (not a user pre-binding): mark it, as the PV binder does.
  if (!pv.spec?.claimRef) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
  return {
    ...pv,
    metadata: { ...pv.metadata, annotations },
    spec: {
      ...pv.spec,
      claimRef: {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: pvc.metadata?.namespace,
        name: pvc.metadata?.name,
        uid: pvc.metadata?.uid,
        resourceVersion: pvc.metadata?.resourceVersion,
      },
    },
  };
}
