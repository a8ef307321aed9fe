/**
 * Who owns a StatefulSet's PVCs under persistentVolumeClaimRetentionPolicy (upstream
 * updateClaimOwnerRefForSetAndPod): whenDeleted=Delete makes the set an owner so the
 * garbage collector removes the claim with the set; whenScaled=Delete makes the pod of a
 * scaled-down (condemned) ordinal an owner so the claim goes with that pod. Retain keeps
 * neither. Owner references other than these two are left alone.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';

const ref = (kind: string, apiVersion: string, obj: { metadata?: { name?: string; uid?: string } }): OwnerReference => ({
  apiVersion,
  kind,
  name: obj.metadata!.name!,
  uid: obj.metadata!.uid!,
});

/** The claim's owner references as the policy wants them for `pod` (condemned: its ordinal is scaled away). */
export function desiredClaimOwnerRefs(set: StatefulSet, claim: PersistentVolumeClaim, pod: Pod | undefined, condemned: boolean): OwnerReference[] {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
  const whenDeleted = policy?.whenDeleted ?? 'Retain';
  const whenScaled = policy?.whenScaled ?? 'Retain';
  const setUid = set.metadata?.uid;
  const podUid = pod?.metadata?.uid;
  const others = (claim.metadata?.ownerReferences ?? []).filter((r) => r.uid !== setUid && (podUid === undefined || r.uid !== podUid));
  const wanted: OwnerReference[] = [];
  const scaledAway = condemned && whenScaled === 'Delete';
  // A condemned claim under whenScaled=Delete follows its pod, not the set (upstream drops the set ref then).
  if (whenDeleted === 'Delete' && !scaledAway) wanted.push(ref('StatefulSet', 'apps/v1', set));
  if (scaledAway && pod?.metadata?.uid) wanted.push(ref('Pod', 'v1', pod));
  return [...others, ...wanted];
}
