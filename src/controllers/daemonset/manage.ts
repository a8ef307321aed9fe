/**
 * The DaemonSet's core loop as a pure decision (upstream manage / podsShouldBeOnNode):
 * from the nodes and the daemon pods grouped by the node they are for, which nodes need
 * a pod created and which pods must go — pods on nodes that stopped fitting, failed and
 * succeeded pods (failed ones behind a per-node backoff), the extras beyond one per node
 * (two while surging: the newest revision's and the old one until the new is available),
 * and pods for nodes that no longer exist.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from '../replicaset/pod-util.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revision-hash.js';
import { byCreationAndBinding, targetNodeName } from './daemon-pod.js';
import { nodeShouldRunDaemonPod } from './node-eligibility.js';
import { allowsSurge } from './rolling-update.js';

/**
 * The daemon pods by the node they are for. Finished pods already being deleted are left
 * out: nothing remains to do with them. Pods naming no node cannot be placed and are skipped.
 */
export function podsByNode(pods: readonly Pod[], includeDeletedFinished = false): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    const finished = pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';
    if (!includeDeletedFinished && finished && pod.metadata?.deletionTimestamp) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    const list = out.get(node);
    if (list) list.push(pod);
    else out.set(node, [pod]);
  }
  return out;
}

export interface DaemonEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ManagePlan {
  /** Nodes to create a daemon pod for. */
  create: string[];
  /** Names of pods to delete. */
  delete: string[];
  /** Bound pods whose node is gone from the cache (upstream leaves these to the pod GC). */
  onMissingNodes: Pod[];
  events: DaemonEvent[];
  /** Sync again after this long: a failed pod is waiting out its backoff. */
  retryAfterMs?: number;
}

export interface ManageInput {
  ds: DaemonSet;
  nodes: readonly Node[];
  nodeToPods: ReadonlyMap<string, Pod[]>;
  hash: string;
  nowMs: number;
  /**
   * Asked before deleting a failed pod on a node: undefined lets the deletion go ahead
   * (and starts or extends the backoff), a number is how long until it may.
   */
  failedPodBackoff(nodeName: string): number | undefined;
}

export function planManage(input: ManageInput): ManagePlan {
  const { ds, nodes, nodeToPods, hash, nowMs } = input;
  const plan: ManagePlan = { create: [], delete: [], onMissingNodes: [], events: [] };
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const surge = allowsSurge(ds);
  const retry = (ms: number) => (plan.retryAfterMs = plan.retryAfterMs === undefined ? ms : Math.min(plan.retryAfterMs, ms));

  for (const node of nodes) {
    const nodeName = node.metadata?.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = nodeToPods.get(nodeName);
    if (shouldRun && !pods) {
      plan.create.push(nodeName);
      continue;
    }
    if (!shouldContinueRunning) {
      for (const pod of pods ?? []) if (!pod.metadata?.deletionTimestamp) plan.delete.push(pod.metadata!.name!);
      continue;
    }
    const running: Pod[] = [];
    for (const pod of pods ?? []) {
      if (pod.metadata?.deletionTimestamp) continue;
      const where = `${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodeName}`;
      if (pod.status?.phase === 'Failed') {
        // Kubelets that keep refusing a pod would otherwise have us recreate it in a hot loop.
        const wait = input.failedPodBackoff(nodeName);
        if (wait !== undefined) {
          retry(wait);
          continue;
        }
        plan.events.push({ type: 'Warning', reason: 'FailedDaemonPod', message: `Found failed daemon pod ${where}, will try to kill it` });
        plan.delete.push(pod.metadata!.name!);
      } else if (pod.status?.phase === 'Succeeded') {
        plan.events.push({ type: 'Normal', reason: 'SucceededDaemonPod', message: `Found succeeded daemon pod ${where}, will try to delete it` });
        plan.delete.push(pod.metadata!.name!);
      } else {
        running.push(pod);
      }
    }
    running.sort(byCreationAndBinding);
    if (!surge) {
      // One pod per node: the oldest stays.
      for (const extra of running.slice(1)) plan.delete.push(extra.metadata!.name!);
      continue;
    }
    if (running.length <= 1) {
      // Surging needs at least one live pod on the node; the rolling update adds the second.
      if (running.length === 0 && shouldRun) plan.create.push(nodeName);
      continue;
    }
    // Surging keeps the oldest new pod and the oldest old one; the old goes once the new is available.
    let oldestNew: Pod | undefined;
    let oldestOld: Pod | undefined;
    for (const pod of running) {
      const isNew = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;
      if (isNew && !oldestNew) oldestNew = pod;
      else if (!isNew && !oldestOld) oldestOld = pod;
      else plan.delete.push(pod.metadata!.name!);
    }
    if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, nowMs))) plan.delete.push(oldestOld.metadata!.name!);
  }

  const known = new Set(nodes.map((n) => n.metadata?.name ?? ''));
  for (const [nodeName, pods] of nodeToPods) {
    if (known.has(nodeName)) continue;
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp) continue;
      // An unbound pod for a vanished node would never be scheduled, nor collected by the pod GC.
      if (!pod.spec?.nodeName) plan.delete.push(pod.metadata!.name!);
      else plan.onMissingNodes.push(pod);
    }
  }
  return plan;
}
