/**
 * Which PersistentVolumeClaims a pod uses (upstream component-helpers/storage/ephemeral
 * and the PVC protection controller's podUsesPVC): claims named in
 * `persistentVolumeClaim` volumes, and the `<pod>-<volume>` claims of generic ephemeral
 * volumes, which count only when the claim is the one made for this pod. Pure.
 */
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';

/** The claim name a generic ephemeral volume of the pod gets. */
export const ephemeralClaimName = (pod: Pod, volumeName: string): string => `${pod.metadata?.name ?? ''}-${volumeName}`;

/** Every claim name the pod's volumes refer to. */
export function podClaimNames(pod: Pod): string[] {
  const names: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) names.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) names.push(ephemeralClaimName(pod, v.name));
  }
  return names;
}

/** An ephemeral volume's claim belongs to the pod only if the pod controls it. */
export function ephemeralClaimIsForPod(pod: Pod, claim: PersistentVolumeClaim): boolean {
  return (claim.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === pod.metadata?.uid);
}

/**
 * Kubelet is done with the pod, or it was force-deleted (deleting with a zero grace
 * period): an ephemeral claim it holds need not wait for it to vanish.
 */
export const podIsShutDown = (pod: Pod): boolean => !!pod.metadata?.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0;

/**
 * Whether the pod keeps the claim in use (upstream podUsesPVC): only scheduled pods count,
 * since a kubelet refuses to start a pod whose claim is being deleted.
 */
export function podUsesClaim(pod: Pod, claim: PersistentVolumeClaim): boolean {
  if (!pod.spec?.nodeName) return false;
  if (pod.metadata?.namespace !== claim.metadata?.namespace) return false;
  const name = claim.metadata?.name;
  for (const v of pod.spec.volumes ?? []) {
    if (v.persistentVolumeClaim && v.persistentVolumeClaim.claimName === name) return true;
    if (v.ephemeral && !podIsShutDown(pod) && ephemeralClaimName(pod, v.name) === name && ephemeralClaimIsForPod(pod, claim)) return true;
  }
  return false;
}

/**
 * Upstream IsPodTerminated: the phase is final, or the pod is being deleted and none of
 * its containers runs any more.
 */
export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  if (!pod.metadata?.deletionTimestamp) return false;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
  return statuses.every((s) => !s.state?.running && !s.state?.waiting);
}
