/**
 * The status a DaemonSet reports (upstream updateDaemonSetStatus), from the nodes and its
 * pods by node: how many nodes want a pod (desired), have one (current), have one but
 * should not (misscheduled), and of the wanted ones, whose oldest pod is ready, available
 * (minReadySeconds) and of the current revision. `kubectl rollout status` reads these.
 */
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from '../replicaset/pod-util.js';
import { byCreationAndBinding, isPodUpdated, templateGeneration } from './daemon-pod.js';
import { nodeShouldRunDaemonPod } from './node-eligibility.js';

export interface DaemonCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

export function countDaemonPods(ds: DaemonSet, nodes: readonly Node[], nodeToPods: ReadonlyMap<string, Pod[]>, hash: string, nowMs: number): DaemonCounts {
  const c: DaemonCounts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
  const generation = templateGeneration(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  for (const node of nodes) {
    const pods = nodeToPods.get(node.metadata?.name ?? '') ?? [];
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (pods.length) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (!pods.length) continue;
    c.currentNumberScheduled++;
    const pod = [...pods].sort(byCreationAndBinding)[0]!;
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, minReady, nowMs)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, hash, generation)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

/**
 * The status to write: the counts, observedGeneration raised only when this sync acted on
 * the spec, collisionCount and conditions kept. Fields upstream omits when zero are left out.
 */
export function daemonSetStatus(current: DaemonSetStatus | undefined, counts: DaemonCounts, observedGeneration: number | undefined): DaemonSetStatus {
  const status: DaemonSetStatus = {
    currentNumberScheduled: counts.currentNumberScheduled,
    numberMisscheduled: counts.numberMisscheduled,
    desiredNumberScheduled: counts.desiredNumberScheduled,
    numberReady: counts.numberReady,
  };
  const observed = observedGeneration ?? current?.observedGeneration;
  if (observed) status.observedGeneration = observed;
  if (counts.updatedNumberScheduled) status.updatedNumberScheduled = counts.updatedNumberScheduled;
  if (counts.numberAvailable) status.numberAvailable = counts.numberAvailable;
  if (counts.numberUnavailable) status.numberUnavailable = counts.numberUnavailable;
  if (current?.collisionCount !== undefined) status.collisionCount = current.collisionCount;
  if (current?.conditions?.length) status.conditions = current.conditions;
  return status;
}
