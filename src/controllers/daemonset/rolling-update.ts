/**
 * The RollingUpdate strategy as a pure decision (upstream update.go rollingUpdate): which
 * old pods to delete (without surge: no more than maxUnavailable nodes short of an
 * available pod) or which nodes get a new pod beside the old one (with surge: no more
 * than maxSurge at once). The core loop then creates the replacements and prunes extras.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { scaledValue } from '../deployment/deployment-util.js';
import { isPodAvailable } from '../replicaset/pod-util.js';
import { isPodUpdated, templateGeneration } from './daemon-pod.js';
import { nodeShouldRunDaemonPod } from './node-eligibility.js';

const rollingUpdateOf = (ds: DaemonSet) => ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' ? ds.spec?.updateStrategy?.rollingUpdate : undefined);

/** maxSurge of `desired` nodes, rounding percentages up; 0 unless RollingUpdate. */
export function surgeCount(ds: DaemonSet, desired: number): number {
  return scaledValue(rollingUpdateOf(ds)?.maxSurge, desired, true);
}

/** maxUnavailable of `desired` nodes, rounding percentages up; 0 unless RollingUpdate. */
export function unavailableCount(ds: DaemonSet, desired: number): number {
  return scaledValue(rollingUpdateOf(ds)?.maxUnavailable, desired, true);
}

/** Whether updates create the new pod before deleting the old one. */
export function allowsSurge(ds: DaemonSet): boolean {
  try {
    return surgeCount(ds, 1) !== 0;
  } catch {
    return false;
  }
}

/**
 * The non-deleted new and old pod on a node; ok is false when there are several of
 * either, which the core loop prunes first.
 */
export function findUpdatedPodsOnNode(pods: readonly Pod[], hash: string, generation: number | undefined): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingUpdateInput {
  ds: DaemonSet;
  nodes: readonly Node[];
  nodeToPods: ReadonlyMap<string, Pod[]>;
  hash: string;
  nowMs: number;
}

export interface RollingUpdatePlan {
  delete: string[];
  create: string[];
}

export function planRollingUpdate(input: RollingUpdateInput): RollingUpdatePlan {
  const { ds, nodes, hash, nowMs } = input;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const generation = templateGeneration(ds);
  const available = (pod: Pod) => isPodAvailable(pod, minReady, nowMs);
  const nodesByName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  const shouldRun = (nodeName: string) => {
    const node = nodesByName.get(nodeName);
    return node !== undefined && nodeShouldRunDaemonPod(node, ds).shouldRun;
  };

  // Every node that wants a pod takes part, with or without one.
  const nodeToPods = new Map<string, readonly Pod[]>(input.nodeToPods);
  let desired = 0;
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    if (!nodeToPods.has(name)) nodeToPods.set(name, []);
  }
  const maxSurge = surgeCount(ds, desired);
  let maxUnavailable = unavailableCount(ds, desired);
  // Both zero would never make progress: accept one unavailable node, as upstream does.
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;

  if (maxSurge === 0) {
    let unavailable = 0;
    const replacements: string[] = [];
    const candidates: string[] = [];
    for (const pods of nodeToPods.values()) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, hash, generation);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
        // The core loop is still creating or pruning here: count the node as unavailable.
        unavailable++;
      } else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) {
        // An old pod that is not available anyway is replaced at no cost.
        replacements.push(oldPod!.metadata!.name!);
        unavailable++;
      } else if (unavailable < maxUnavailable) {
        candidates.push(oldPod!.metadata!.name!);
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { delete: [...replacements, ...candidates.slice(0, room)], create: [] };
  }

  const toDelete: string[] = [];
  const notRunToDelete: string[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let surging = 0;
  let numAvailable = 0;
  for (const [nodeName, pods] of nodeToPods) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, hash, generation);
    if (!ok) {
      surging++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        // Nothing to lose by replacing an unavailable pod: do it now, beyond maxSurge.
        if (!shouldRun(nodeName)) toDelete.push(oldPod.metadata!.name!);
        else allowedNodes.push(nodeName);
        continue;
      }
      if (!shouldRun(nodeName)) {
        notRunToDelete.push(oldPod.metadata!.name!);
        continue;
      }
      if (surging < maxSurge) candidateNodes.push(nodeName);
      continue;
    }
    if (!available(newPod)) {
      surging++;
      continue;
    }
    toDelete.push(oldPod.metadata!.name!);
  }
  // With surge the owner expects full availability: pods on nodes that no longer fit go
  // only as far as other nodes have available pods to spare.
  const deletable = Math.min(Math.max(0, numAvailable - desired), notRunToDelete.length);
  toDelete.push(...notRunToDelete.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - surging), candidateNodes.length);
  return { delete: toDelete, create: [...allowedNodes, ...candidateNodes.slice(0, room)] };
}
