/**
 * Which pods the pod garbage collector removes (upstream pkg/controller/podgc), as pure
 * functions over cached pods and nodes: terminated pods beyond the threshold (evicted
 * first, then oldest), terminating pods on not-ready out-of-service nodes, pods bound
 * to nodes that no longer exist, and terminating pods that were never scheduled.
 */
import type { Node, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';

export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

/** The condition upstream puts on an orphaned pod before deleting it. */
export const ORPHANED_POD_CONDITION: PodCondition = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'DeletionByPodGC',
  message: 'PodGC: node no longer exists',
};

export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== undefined && phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

const isEvicted = (pod: Pod) => pod.status?.phase === 'Failed' && pod.status?.reason === 'Evicted';
const created = (pod: Pod) => Date.parse(pod.metadata?.creationTimestamp ?? '') || 0;

/** Evicted pods first (they are rarely wanted), then oldest, then by name. */
export function byEvictionAndCreation(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  if (ea !== isEvicted(b)) return ea ? -1 : 1;
  const ca = created(a);
  const cb = created(b);
  if (ca !== cb) return ca - cb;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** The terminated pods to delete so that at most `threshold` remain; none when threshold <= 0. */
export function terminatedPodsToDelete(pods: readonly Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isPodTerminated);
  const excess = terminated.length - threshold;
  if (excess <= 0) return [];
  return [...terminated].sort(byEvictionAndCreation).slice(0, excess);
}

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** Terminating pods on nodes that are not ready and carry the out-of-service taint. */
export function terminatingPodsOnOutOfServiceNodes(pods: readonly Pod[], nodes: ReadonlyMap<string, Node>): Pod[] {
  return pods
    .filter((pod) => {
      if (!pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) return false;
      const node = nodes.get(pod.spec.nodeName);
      return node !== undefined && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT);
    })
    .sort(byEvictionAndCreation);
}

/** Names of nodes that pods are bound to but that are not in the cache. */
export function missingNodeNames(pods: readonly Pod[], nodeNames: ReadonlySet<string>): Set<string> {
  const missing = new Set<string>();
  for (const pod of pods) {
    const name = pod.spec?.nodeName;
    if (name && !nodeNames.has(name)) missing.add(name);
  }
  return missing;
}

/** Terminating pods that never got a node: no kubelet will ever finish them. */
export function unscheduledTerminatingPods(pods: readonly Pod[]): Pod[] {
  return pods.filter((pod) => pod.metadata?.deletionTimestamp && !pod.spec?.nodeName);
}

/**
 * The status to write before force-deleting a pod that is not yet terminal: phase
 * Failed (no kubelet will ever set it) and, if given, the condition; undefined when the
 * pod is already terminal and needs no status change.
 */
export function failedStatus(pod: Pod, condition: PodCondition | undefined, nowIso: string): PodStatus | undefined {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
  const conditions = [...(pod.status?.conditions ?? [])];
  if (condition) {
    const i = conditions.findIndex((c) => c.type === condition.type);
    const previous = i >= 0 ? conditions[i] : undefined;
    const lastTransitionTime = previous && previous.status === condition.status ? previous.lastTransitionTime : nowIso;
    const next: PodCondition = { ...condition, lastTransitionTime };
    if (i >= 0) conditions[i] = next;
    else conditions.push(next);
  }
  return { ...pod.status, phase: 'Failed', conditions };
}

/** Quarantine bookkeeping: a missing node is only trusted missing after `quarantineMs`. */
export class NodeQuarantine {
  private readonly firstMissing = new Map<string, number>();

  /** Records the currently missing nodes; returns those missing for at least `quarantineMs`. */
  observe(missing: ReadonlySet<string>, nowMs: number, quarantineMs: number): string[] {
    for (const name of this.firstMissing.keys()) if (!missing.has(name)) this.firstMissing.delete(name);
    const due: string[] = [];
    for (const name of missing) {
      const since = this.firstMissing.get(name) ?? nowMs;
      this.firstMissing.set(name, since);
      if (nowMs - since >= quarantineMs) due.push(name);
    }
    return due;
  }

  forget(name: string): void {
    this.firstMissing.delete(name);
  }
}
