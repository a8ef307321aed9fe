/**
 * The vocabulary the volume controllers share (upstream component-helpers/storage/volume
 * and pkg/controller/volume/persistentvolume/util): the annotations and finalizers that
 * carry binding state between the binder, the scheduler and provisioners, and the pure
 * facts read from claims, volumes and classes (class names, who is bound to whom, access
 * and volume modes, requested and offered sizes). No I/O.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { compareQuantities, tryParseQuantity, type Quantity } from '../../api/quantity.js';

/** On a claim: the binder finished binding it (its absence means "unbound", whatever volumeName says). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a claim or volume: the binder (not the user) set volumeName / claimRef. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a claim: which provisioner is asked to make its volume. */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a claim: the node the scheduler chose for a WaitForFirstConsumer claim. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** On a volume: the provisioner that made it (and must delete it). */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** Class names in annotations, from before spec.storageClassName existed; still honoured first. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
/** On a StorageClass: the class claims without one get. */
export const ANN_DEFAULT_STORAGE_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_STORAGE_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** Annotation values the binder writes. */
export const YES = 'yes';

export type ClaimPhase = 'Pending' | 'Bound' | 'Lost';
export type VolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';

export const hasAnnotation = (obj: { metadata?: { annotations?: Record<string, string> } }, key: string): boolean => obj.metadata?.annotations?.[key] !== undefined;

/** The class a claim asks for; "" for none (the beta annotation wins, as upstream). */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? claim.spec?.storageClassName ?? '';
}

/** Whether the claim names a class at all ("" counts: it asks for class-less volumes). */
export function claimHasClass(claim: PersistentVolumeClaim): boolean {
  return hasAnnotation(claim, ANN_BETA_STORAGE_CLASS) || (claim.spec?.storageClassName !== undefined && claim.spec.storageClassName !== null);
}

export function volumeClass(volume: PersistentVolume): string {
  return volume.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? volume.spec?.storageClassName ?? '';
}

export const claimKey = (claim: PersistentVolumeClaim): string => `${claim.metadata?.namespace ?? ''}/${claim.metadata?.name ?? ''}`;

/** The volume is reserved for this claim: claimRef names it and its uid is unset or the claim's. */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

const ZERO = tryParseQuantity('0')!;

function quantity(value: unknown): Quantity {
  if (typeof value === 'string') return tryParseQuantity(value.trim()) ?? ZERO;
  if (typeof value === 'number' && Number.isFinite(value)) return tryParseQuantity(String(value)) ?? ZERO;
  return ZERO;
}

export function requestedStorage(claim: PersistentVolumeClaim): Quantity {
  return quantity(claim.spec?.resources?.requests?.['storage']);
}

export function volumeCapacity(volume: PersistentVolume): Quantity {
  return quantity(volume.spec?.capacity?.['storage']);
}

export const compareStorage = compareQuantities;

/** volumeMode defaults to Filesystem on both sides; any difference is a mismatch. */
export function volumeModeMismatch(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return (claim.spec?.volumeMode ?? 'Filesystem') !== (volume.spec?.volumeMode ?? 'Filesystem');
}

/** Every mode the claim asks for is one the volume offers. */
export function accessModesSatisfied(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  const offered = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations;
  return a?.[ANN_DEFAULT_STORAGE_CLASS] === 'true' || a?.[ANN_BETA_DEFAULT_STORAGE_CLASS] === 'true';
}

/** Upstream GetDefaultClass: of several default classes the newest wins, then the first by name. */
export function defaultStorageClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => {
    const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
    if (ta !== tb) return tb - ta;
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  });
  return defaults[0];
}

/** Binding waits for a pod to be scheduled (the class says WaitForFirstConsumer). */
export function isDelayBinding(claim: PersistentVolumeClaim, classOf: (name: string) => StorageClass | undefined): boolean {
  const name = claimClass(claim);
  if (!name) return false;
  return classOf(name)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** The scheduler has picked a node for this delayed claim, so provisioning may start. */
export const isDelayBindingProvisioning = (claim: PersistentVolumeClaim): boolean => !!claim.metadata?.annotations?.[ANN_SELECTED_NODE];

export function hasFinalizer(obj: { metadata?: { finalizers?: string[] } }, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}
