/**
 * Which PersistentVolume a claim should get (upstream persistentvolume/index.go and
 * util.FindMatchingVolume), as the binder sees it (no node: topology is the scheduler's
 * job). Volumes are grouped by their set of access modes; groups that offer every mode
 * the claim asks for are tried fewest-modes first, and within a group a volume reserved
 * for the claim wins outright, otherwise the smallest Available volume that is big
 * enough, of the claim's class and volume mode, and matching its selector. Pure.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject, matchLabels, type LabelSelector, type MetaLabelSelector } from '../../api/labels.js';
import { claimClass, compareStorage, isVolumeBoundToClaim, requestedStorage, volumeCapacity, volumeClass, volumeModeMismatch, accessModesSatisfied } from './volume-util.js';

const modesKey = (modes: readonly string[] | undefined): string => [...new Set(modes ?? [])].sort().join(',');

/**
 * The access-mode sets present among `volumes` that contain every mode in `wanted`,
 * fewest modes first (a claim for RWO prefers an RWO volume to an RWO+ROX one).
 */
export function matchingAccessModeSets(volumes: readonly PersistentVolume[], wanted: readonly string[] | undefined): string[][] {
  const sets = new Map<string, string[]>();
  for (const v of volumes) {
    const key = modesKey(v.spec?.accessModes);
    if (!sets.has(key)) sets.set(key, key ? key.split(',') : []);
  }
  const want = wanted ?? [];
  return [...sets.values()].filter((set) => want.every((m) => set.includes(m))).sort((a, b) => a.length - b.length || modesKey(a).localeCompare(modesKey(b)));
}

/**
 * The best volume among `volumes` (all one access-mode set) for the claim, or undefined.
 * With `delayBinding`, only a volume reserved for the claim counts: others are left to the
 * scheduler, which knows the node.
 */
export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], delayBinding: boolean): PersistentVolume | undefined {
  const requested = requestedStorage(claim);
  const wantedClass = claimClass(claim);
  let selector: LabelSelector | undefined;
  if (claim.spec?.selector) selector = labelSelectorFromObject(claim.spec.selector as MetaLabelSelector);
  let smallest: PersistentVolume | undefined;
  for (const volume of volumes) {
    if (volume.spec?.claimRef && !isVolumeBoundToClaim(volume, claim)) continue;
    const capacity = volumeCapacity(volume);
    if (compareStorage(capacity, requested) < 0) continue;
    if (volumeModeMismatch(claim, volume)) continue;
    if (volume.metadata?.deletionTimestamp) continue;
    if (isVolumeBoundToClaim(volume, claim)) return volume;
    if (delayBinding) continue;
    // Volumes not yet Available are skipped: they are about to change, and binding them would most likely conflict.
    if (volume.status?.phase !== 'Available') continue;
    if (selector && !matchLabels(selector, volume.metadata?.labels)) continue;
    if (volumeClass(volume) !== wantedClass) continue;
    if (!smallest || compareStorage(volumeCapacity(smallest), capacity) > 0) smallest = volume;
  }
  return smallest;
}

/** The binder's choice for an unbound claim without spec.volumeName. */
export function findBestMatchForClaim(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], delayBinding: boolean): PersistentVolume | undefined {
  for (const set of matchingAccessModeSets(volumes, claim.spec?.accessModes)) {
    const key = modesKey(set);
    const group = volumes.filter((v) => modesKey(v.spec?.accessModes) === key);
    const best = findMatchingVolume(claim, group, delayBinding);
    if (best) return best;
  }
  return undefined;
}

/**
 * Why the volume a claim names in spec.volumeName cannot serve it (upstream
 * checkVolumeSatisfyClaim), or undefined when it can.
 */
export function volumeUnsuitableForClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (volume.metadata?.deletionTimestamp) return `the volume is marked for deletion "${volume.metadata.name ?? ''}"`;
  if (compareStorage(volumeCapacity(volume), requestedStorage(claim)) < 0) return 'requested PV is too small';
  if (volumeClass(volume) !== claimClass(claim)) return 'storageClassName does not match';
  if (volumeModeMismatch(claim, volume)) return 'incompatible volumeMode';
  if (!accessModesSatisfied(claim, volume)) return 'incompatible accessMode';
  return undefined;
}
