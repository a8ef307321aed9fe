/**
 * Who owns what (upstream ControllerRefManager), as a pure decision: of the objects a
 * controller can see, which it already owns and keeps, which orphans matching its
 * selector it adopts, and which of its own it releases because they stopped matching.
 * Objects controlled by someone else are never touched.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { controllerRef, type Owned } from './pod-util.js';

export interface ClaimDecision<T> {
  owned: T[];
  adopt: T[];
  release: T[];
}

export interface ClaimOwner {
  uid: string;
  deleting: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
}

export function classifyClaims<T extends Owned & { metadata?: { labels?: Record<string, string> } }>(owner: ClaimOwner, objects: T[]): ClaimDecision<T> {
  const out: ClaimDecision<T> = { owned: [], adopt: [], release: [] };
  for (const obj of objects) {
    const ref = controllerRef(obj);
    const matches = owner.matches(obj.metadata?.labels);
    if (ref) {
      if (ref.uid !== owner.uid) continue;
      if (matches) out.owned.push(obj);
      // An object on its way out is not worth a write; a deleting owner lets the GC decide.
      else if (!obj.metadata?.deletionTimestamp && !owner.deleting) out.release.push(obj);
      continue;
    }
    if (owner.deleting || !matches || obj.metadata?.deletionTimestamp) continue;
    out.adopt.push(obj);
  }
  return out;
}

/** The controller reference a workload puts on what it creates or adopts. */
export function newControllerRef(owner: { apiVersion: string; kind: string; name: string; uid: string }): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

/** `refs` with the owner's reference added (adopt) — replacing none controlled by others. */
export function withOwnerRef(refs: readonly OwnerReference[] | undefined, ref: OwnerReference): OwnerReference[] {
  return [...(refs ?? []).filter((r) => r.uid !== ref.uid), ref];
}

/** `refs` without the owner's reference (release). */
export function withoutOwnerRef(refs: readonly OwnerReference[] | undefined, uid: string): OwnerReference[] {
  return (refs ?? []).filter((r) => r.uid !== uid);
}
