/**
 * Carries out a claim decision on pods (upstream ControllerRefManager's writes): adopts
 * orphans only after re-reading the owner from the API (the cache may be stale, and a
 * deleted or replaced owner must not adopt), and releases pods that stopped matching.
 * Pods gone meanwhile are skipped. Returns the pods the owner now controls.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { cloneJson } from '../../api/object.js';
import { Client, RESOURCE_TYPES, isNotFound, type ResourceType } from '../../client/index.js';
import { newControllerRef, withOwnerRef, withoutOwnerRef, type ClaimDecision } from './claim.js';

export interface PodClaimOwner {
  type: ResourceType;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

export interface PodClaimHooks {
  /** Further changes to a pod being adopted (e.g. the Job tracking finalizer). */
  onAdopt?(pod: Pod & { metadata: ObjectMeta }): void;
  /** Further changes to a pod being released. */
  onRelease?(pod: Pod & { metadata: ObjectMeta }): void;
}

async function updateUnlessGone(client: Client, pod: Pod): Promise<Pod | undefined> {
  try {
    return await client.update<Pod>(RESOURCE_TYPES.pods, pod);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function applyPodClaims(client: Client, owner: PodClaimOwner, decision: ClaimDecision<Pod>, hooks: PodClaimHooks = {}): Promise<Pod[]> {
  const claimed = [...decision.owned];
  if (decision.adopt.length) {
    const fresh = await client.get<{ metadata?: ObjectMeta }>(owner.type, owner.name, { namespace: owner.namespace });
    if (fresh.metadata?.uid === owner.uid && !fresh.metadata?.deletionTimestamp) {
      const ref = newControllerRef(owner);
      for (const pod of decision.adopt) {
        const next = cloneJson(pod) as Pod & { metadata: ObjectMeta };
        next.metadata.ownerReferences = withOwnerRef(pod.metadata?.ownerReferences, ref);
        hooks.onAdopt?.(next);
        const updated = await updateUnlessGone(client, next);
        if (updated) claimed.push(updated);
      }
    }
  }
  for (const pod of decision.release) {
    const next = cloneJson(pod) as Pod & { metadata: ObjectMeta };
    next.metadata.ownerReferences = withoutOwnerRef(pod.metadata?.ownerReferences, owner.uid);
    hooks.onRelease?.(next);
    await updateUnlessGone(client, next);
  }
  return claimed;
}
