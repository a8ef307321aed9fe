/**
 * The object changes that bind and unbind claims and volumes (upstream pv_controller.go
 * bindVolumeToClaim / bindClaimToVolume / updateClaimStatus / updateVolumePhase /
 * unbindVolume), as pure functions: each returns the changed copy, or undefined when the
 * object already says what it should, so the controller writes only what changed.
 */
import type { ObjectReference, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimStatus } from 'kubernetes-types/core/v1.js';
import { cloneJson, jsonEqual } from '../../api/object.js';
import { tryParseQuantity } from '../../api/quantity.js';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_BETA_STORAGE_PROVISIONER, ANN_STORAGE_PROVISIONER, YES, compareStorage, isVolumeBoundToClaim, type ClaimPhase, type VolumePhase } from './volume-util.js';

const toQuantity = (v: unknown) => tryParseQuantity(String(v).trim()) ?? tryParseQuantity('0')!;

type Annotated = { metadata?: { annotations?: Record<string, string> } };

function setAnnotation<T extends Annotated>(obj: T, key: string, value: string): void {
  obj.metadata ??= {};
  obj.metadata.annotations = { ...obj.metadata.annotations, [key]: value };
}

/** The reference a volume keeps to its claim (what upstream's GetReference makes). */
export function claimReference(claim: PersistentVolumeClaim): ObjectReference {
  const ref: ObjectReference = { kind: 'PersistentVolumeClaim', namespace: claim.metadata?.namespace ?? '', name: claim.metadata?.name ?? '', apiVersion: 'v1' };
  if (claim.metadata?.uid) ref.uid = claim.metadata.uid;
  if (claim.metadata?.resourceVersion) ref.resourceVersion = claim.metadata.resourceVersion;
  return ref;
}

/** The volume with claimRef pointing at the claim (and marked bound-by-controller if the binder chose it). */
export function volumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume | undefined {
  const chosenByBinder = !isVolumeBoundToClaim(volume, claim);
  const next = cloneJson(volume);
  let dirty = false;
  const ref = volume.spec?.claimRef;
  if (!ref || ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace || ref.uid !== claim.metadata?.uid) {
    next.spec = { ...next.spec, claimRef: claimReference(claim) };
    dirty = true;
  }
  if (chosenByBinder && next.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER] === undefined) {
    setAnnotation(next, ANN_BOUND_BY_CONTROLLER, YES);
    dirty = true;
  }
  return dirty ? next : undefined;
}

/** The claim with spec.volumeName set and the bind-completed annotation. */
export function claimBoundToVolume(claim: PersistentVolumeClaim, volume: PersistentVolume): PersistentVolumeClaim | undefined {
  const next = cloneJson(claim);
  let dirty = false;
  if (claim.spec?.volumeName !== volume.metadata?.name) {
    next.spec = { ...next.spec, volumeName: volume.metadata?.name ?? '' };
    dirty = true;
    if (next.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER] === undefined) setAnnotation(next, ANN_BOUND_BY_CONTROLLER, YES);
  }
  if (next.metadata?.annotations?.[ANN_BIND_COMPLETED] === undefined) {
    setAnnotation(next, ANN_BIND_COMPLETED, YES);
    dirty = true;
  }
  return dirty ? next : undefined;
}

/**
 * The claim's status in `phase`. Binding copies the volume's access modes, and its
 * capacity only as the claim becomes Bound: a later difference may be intended (a
 * filesystem smaller than its block device) and is left alone.
 */
export function claimWithStatus(claim: PersistentVolumeClaim, phase: ClaimPhase, volume: PersistentVolume | undefined): PersistentVolumeClaim | undefined {
  const status: PersistentVolumeClaimStatus = cloneJson(claim.status ?? {});
  status.phase = phase;
  if (volume) {
    if (!jsonEqual(status.accessModes, volume.spec?.accessModes)) {
      if (volume.spec?.accessModes) status.accessModes = [...volume.spec.accessModes];
      else delete status.accessModes;
    }
    if (claim.status?.phase !== phase) {
      const offered = volume.spec?.capacity?.['storage'];
      const had = claim.status?.capacity?.['storage'];
      if (offered !== undefined && (had === undefined || compareStorage(toQuantity(offered), toQuantity(had)) !== 0)) status.capacity = { ...volume.spec?.capacity };
    }
  }
  if (jsonEqual(status, claim.status ?? {})) return undefined;
  return { ...claim, status };
}

/** The volume in `phase` with `message` (cleared when empty). */
export function volumeWithPhase(volume: PersistentVolume, phase: VolumePhase, message = ''): PersistentVolume | undefined {
  if (volume.status?.phase === phase && (volume.status?.message ?? '') === message) return undefined;
  const status = { ...volume.status, phase };
  if (message) status.message = message;
  else delete status.message;
  return { ...volume, status };
}

/**
 * The volume freed of a claim it no longer serves: a volume the binder chose forgets the
 * claim entirely; one the user pre-bound keeps the name and drops only the uid.
 */
export function volumeUnbound(volume: PersistentVolume): PersistentVolume {
  const next = cloneJson(volume);
  if (next.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER] !== undefined) {
    if (next.spec) delete next.spec.claimRef;
    const annotations = { ...next.metadata.annotations };
    delete annotations[ANN_BOUND_BY_CONTROLLER];
    if (Object.keys(annotations).length) next.metadata.annotations = annotations;
    else delete next.metadata.annotations;
  } else if (next.spec?.claimRef) {
    const { uid: _uid, ...ref } = next.spec.claimRef;
    next.spec.claimRef = ref;
  }
  return next;
}

/** The claim annotated for `provisioner` (both annotations, as upstream), or undefined if it already is. */
export function claimWithProvisioner(claim: PersistentVolumeClaim, provisioner: string): PersistentVolumeClaim | undefined {
  const a = claim.metadata?.annotations ?? {};
  if (a[ANN_STORAGE_PROVISIONER] === provisioner && a[ANN_BETA_STORAGE_PROVISIONER] === provisioner) return undefined;
  const next = cloneJson(claim);
  setAnnotation(next, ANN_BETA_STORAGE_PROVISIONER, provisioner);
  setAnnotation(next, ANN_STORAGE_PROVISIONER, provisioner);
  return next;
}
