/**
 * The garbage collector's decisions, as pure functions: what an owner reference's
 * target is to a dependent (solid, dangling, or waiting for its dependents to go), what
 * to do with a dependent given its owners, and which dependents block a foreground
 * deletion. The controller gathers the facts (graph, live GETs) and carries out the result.
 */
import { RESOURCES, apiVersionOf } from '../../api/resources.js';
import type { ResourceType } from '../../client/index.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type GraphNode, type OwnerRef } from './graph.js';

/**
 * solid: the owner exists and is not waiting on its dependents; dangling: it does not
 * exist (confirmed live) or the reference cannot point at it; waiting: it exists and is
 * being deleted in the foreground.
 */
export type OwnerState = 'solid' | 'dangling' | 'waiting';

export type DependentAction =
  | { kind: 'none' }
  | { kind: 'removeOwners'; uids: string[] }
  | { kind: 'delete'; propagationPolicy: 'Background' | 'Foreground' | 'Orphan' };

export function decideDependent(
  item: Pick<GraphNode, 'owners' | 'beingDeleted' | 'finalizers'>,
  states: ReadonlyMap<string, OwnerState>,
  hasDependents: boolean,
): DependentAction {
  if (item.beingDeleted || item.owners.length === 0) return { kind: 'none' };
  const by = (s: OwnerState) => item.owners.filter((r) => (states.get(r.uid) ?? 'solid') === s).map((r) => r.uid);
  const solid = by('solid');
  const dangling = by('dangling');
  const waiting = by('waiting');
  if (solid.length > 0) {
    // Another owner still holds it: only the references to owners going away are dropped.
    const gone = [...dangling, ...waiting];
    return gone.length === 0 ? { kind: 'none' } : { kind: 'removeOwners', uids: gone };
  }
  // An owner waits for its dependents to go: this one goes in the foreground too, so the
  // owner also waits for the dependents of this one.
  if (waiting.length > 0 && hasDependents) return { kind: 'delete', propagationPolicy: 'Foreground' };
  // Every owner is gone: delete, keeping the policy the object itself asked for.
  if (item.finalizers.includes(ORPHAN_FINALIZER)) return { kind: 'delete', propagationPolicy: 'Orphan' };
  if (item.finalizers.includes(FOREGROUND_FINALIZER)) return { kind: 'delete', propagationPolicy: 'Foreground' };
  return { kind: 'delete', propagationPolicy: 'Background' };
}

/** The dependents that hold back the foreground deletion of `ownerUid`. */
export function blockingDependents(ownerUid: string, dependents: readonly GraphNode[]): GraphNode[] {
  return dependents.filter((d) => d.owners.some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true));
}

export function withoutOwners(owners: readonly OwnerRef[], uids: readonly string[]): OwnerRef[] {
  return owners.filter((r) => !uids.includes(r.uid));
}

/**
 * The served resource an owner reference names: its exact apiVersion, else the same
 * kind in another served version of its group (references outlive API versions).
 */
export function ownerResource(ref: Pick<OwnerRef, 'apiVersion' | 'kind'>): ResourceType | undefined {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
  const candidates = RESOURCES.filter((r) => r.kind === ref.kind && r.group === group && !r.storageResource);
  const info = candidates.find((r) => apiVersionOf(r) === ref.apiVersion) ?? candidates[0];
  if (!info) return undefined;
  return { group: info.group, version: info.version, resource: info.plural, namespaced: info.namespaced, kind: info.kind };
}

/**
 * Where to look for an owner: a namespaced owner only in the dependent's namespace, a
 * cluster-scoped one without a namespace. A namespaced owner of a cluster-scoped
 * dependent cannot exist (undefined): the reference is dangling.
 */
export function ownerNamespace(ownerType: Pick<ResourceType, 'namespaced'>, dependentNamespace: string): string | undefined {
  if (!ownerType.namespaced) return '';
  return dependentNamespace ? dependentNamespace : undefined;
}
