/**
 * Pure facts about pods and owners that the workload controllers share (upstream
 * pkg/controller/controller_utils.go and pkg/api/v1/pod): whether a pod counts
 * (active), is ready or available, who controls an object, and the order in which
 * a controller gives pods up when it scales down.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';

/** An object with the metadata the owner logic reads. */
export interface Owned {
  metadata?: { uid?: string; ownerReferences?: readonly OwnerReference[]; deletionTimestamp?: string; creationTimestamp?: string; name?: string };
}

/** The owner reference marked controller, if any. */
export function controllerRef(obj: Owned): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** A pod still counts toward replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds at `nowMs` (upstream IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readyCondition(pod)?.lastTransitionTime;
  return since !== undefined && Date.parse(since) + minReadySeconds * 1000 <= nowMs;
}

/** When a ready pod that is not yet available becomes available; undefined otherwise. */
export function availableAt(pod: Pod, minReadySeconds: number): number | undefined {
  const since = readyCondition(pod)?.lastTransitionTime;
  if (!isPodReady(pod) || minReadySeconds <= 0 || since === undefined) return undefined;
  return Date.parse(since) + minReadySeconds * 1000;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

function deletionCost(pod: Pod): number {
  const v = Number(pod.metadata?.annotations?.[POD_DELETION_COST] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s) => s.restartCount ?? 0));
}

/** Upstream's LogarithmicScaleDown: times compare by the power-of-two bucket of their age. */
function logBucket(timeMs: number, nowMs: number): number {
  const age = Math.max(0, nowMs - timeMs);
  return age < 1000 ? 0 : Math.floor(Math.log2(age / 1000)) + 1;
}

/**
 * Orders pods so that the ones to delete first come first (upstream ActivePodsWithRanks):
 * unassigned before assigned; Pending before Unknown before Running; not ready before
 * ready; lower pod-deletion-cost first; more pods of the owner on the same node first;
 * ready for less time first; more restarts first; newer first.
 */
export function compareForDeletion(nowMs: number, ranks?: Map<Pod, number>): (a: Pod, b: Pod) => number {
  return (a, b) => {
    const assignedA = a.spec?.nodeName ? 1 : 0;
    const assignedB = b.spec?.nodeName ? 1 : 0;
    if (assignedA !== assignedB) return assignedA - assignedB;
    const phaseA = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
    const phaseB = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
    if (phaseA !== phaseB) return phaseA - phaseB;
    const readyA = isPodReady(a) ? 1 : 0;
    const readyB = isPodReady(b) ? 1 : 0;
    if (readyA !== readyB) return readyA - readyB;
    const costA = deletionCost(a);
    const costB = deletionCost(b);
    if (costA !== costB) return costA - costB;
    const rankA = ranks?.get(a) ?? 0;
    const rankB = ranks?.get(b) ?? 0;
    if (rankA !== rankB) return rankB - rankA;
    if (readyA && readyB) {
      const tA = readyCondition(a)?.lastTransitionTime;
      const tB = readyCondition(b)?.lastTransitionTime;
      if (tA !== tB) {
        if (tA === undefined) return -1;
        if (tB === undefined) return 1;
        const bA = logBucket(Date.parse(tA), nowMs);
        const bB = logBucket(Date.parse(tB), nowMs);
        if (bA !== bB) return bA - bB;
      }
    }
    const restartsA = maxRestarts(a);
    const restartsB = maxRestarts(b);
    if (restartsA !== restartsB) return restartsB - restartsA;
    const cA = a.metadata?.creationTimestamp;
    const cB = b.metadata?.creationTimestamp;
    if (cA !== cB) {
      if (cA === undefined) return -1;
      if (cB === undefined) return 1;
      const bA = logBucket(Date.parse(cA), nowMs);
      const bB = logBucket(Date.parse(cB), nowMs);
      if (bA !== bB) return bA - bB;
    }
    return 0;
  };
}

/**
 * The pods to delete when scaling down by `count` (upstream getPodsToDelete): ranked by
 * how many of `related` (pods of the same owner family) share each pod's node.
 */
export function podsToDelete(pods: Pod[], related: Pod[], count: number, nowMs: number): Pod[] {
  if (count <= 0) return [];
  const perNode = new Map<string, number>();
  for (const p of related) {
    if (p.spec?.nodeName && isPodActive(p)) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  }
  const ranks = new Map<Pod, number>();
  for (const p of pods) ranks.set(p, p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0);
  return [...pods].sort(compareForDeletion(nowMs, ranks)).slice(0, count);
}

/** Upstream slowStartBatch: batches of 1, 2, 4, … up to what remains. */
export function slowStartBatches(count: number, initial = 1): number[] {
  const out: number[] = [];
  let remaining = count;
  let size = Math.min(remaining, initial);
  while (size > 0) {
    out.push(size);
    remaining -= size;
    size = Math.min(2 * size, remaining);
  }
  return out;
}
