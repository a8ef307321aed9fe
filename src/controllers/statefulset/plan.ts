/**
 * What one StatefulSet sync does, decided purely (upstream stateful_set_control.go
 * updateStatefulSet): the pods in [start, start+replicas) are the replicas, the others
 * are condemned. Failed or succeeded replicas are deleted (and recreated next sync),
 * missing replicas are created with their claims, condemned pods are deleted from the
 * highest ordinal down, then a RollingUpdate deletes pods of an old revision from the
 * highest ordinal down to the partition. With OrderedReady (monotonic) the plan stops at
 * the first step that must wait for a pod to become Running and Ready (and available)
 * or to finish terminating; with Parallel it does everything it can at once.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable } from '../replicaset/pod-util.js';
import { isFailed, isRunningAndReady, isSucceeded, isTerminating, ordinalRange, podOrdinal, podRevision } from './stateful-pod.js';

export type StatefulAction =
  | { type: 'create'; ordinal: number; revision: 'current' | 'update' }
  | { type: 'delete'; pod: Pod; why: 'failed' | 'condemned' | 'update' }
  | { type: 'fix'; pod: Pod };

export interface PlanInput {
  set: StatefulSet;
  /** The set's pods (claimed, members by name). */
  pods: Pod[];
  currentRevision: string;
  updateRevision: string;
  nowMs: number;
  /** Whether a pod lacks its identity labels or claims (the controller checks the claims). */
  needsFix?: (pod: Pod) => boolean;
}

export interface Plan {
  actions: StatefulAction[];
  /** True when the plan stopped early to wait (OrderedReady). */
  waiting: boolean;
}

export const isMonotonic = (set: StatefulSet): boolean => set.spec?.podManagementPolicy !== 'Parallel';

const isAvailable = (set: StatefulSet, pod: Pod, nowMs: number): boolean =>
  isRunningAndReady(pod) && isPodAvailable(pod, set.spec?.minReadySeconds ?? 0, nowMs);

/** maxUnavailable of a RollingUpdate: an integer or a percentage of replicas (rounded down), at least 1. */
export function maxUnavailable(set: StatefulSet): number {
  const v = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable;
  const replicas = set.spec?.replicas ?? 1;
  if (v === undefined || v === null) return 1;
  if (typeof v === 'number') return Math.max(1, v);
  const pct = /^(\d+)%$/.exec(v);
  return Math.max(1, pct ? Math.floor((Number(pct[1]) * replicas) / 100) : Number(v) || 1);
}

/** Which revision a newly created replica gets (upstream newVersionedStatefulSetPod). */
export function revisionForOrdinal(set: StatefulSet, ordinal: number): 'current' | 'update' {
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return 'update';
  const start = ordinalRange(set).start;
  const rolling = set.spec?.updateStrategy?.rollingUpdate;
  if (!rolling) return ordinal < start + (set.status?.currentReplicas ?? 0) ? 'current' : 'update';
  return ordinal < start + (rolling.partition ?? 0) ? 'current' : 'update';
}

export function planStatefulSet(input: PlanInput): Plan {
  const { set, nowMs } = input;
  const monotonic = isMonotonic(set);
  const { start, end } = ordinalRange(set);
  const actions: StatefulAction[] = [];
  const done = (waiting: boolean): Plan => ({ actions, waiting });
  if (set.metadata?.deletionTimestamp) return done(false);

  const byOrdinal = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const pod of input.pods) {
    const o = podOrdinal(pod);
    if (o >= start && o < end) byOrdinal.set(o, pod);
    else if (o >= 0) condemned.push(pod);
  }
  condemned.sort((a, b) => podOrdinal(b) - podOrdinal(a));
  const healthy = (p: Pod) => isAvailable(set, p, nowMs) && !isTerminating(p);
  // The one unhealthy pod OrderedReady may still delete while scaling down (upstream firstUnhealthyPod).
  const firstUnhealthy = [...[...byOrdinal.entries()].sort(([a], [b]) => a - b).map(([, p]) => p), ...[...condemned].reverse()].find((p) => !healthy(p));

  for (let ordinal = start; ordinal < end; ordinal++) {
    const pod = byOrdinal.get(ordinal);
    if (!pod) {
      actions.push({ type: 'create', ordinal, revision: revisionForOrdinal(set, ordinal) });
      if (monotonic) return done(true);
      continue;
    }
    if ((isFailed(pod) || isSucceeded(pod)) && !isTerminating(pod)) {
      actions.push({ type: 'delete', pod, why: 'failed' });
      if (monotonic) return done(true);
      continue;
    }
    if (isTerminating(pod)) {
      if (monotonic) return done(true);
      continue;
    }
    if (input.needsFix?.(pod)) actions.push({ type: 'fix', pod });
    if (!isAvailable(set, pod, nowMs) && monotonic) return done(true);
  }

  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return done(true);
      continue;
    }
    if (monotonic && !healthy(pod) && pod !== firstUnhealthy) return done(true);
    actions.push({ type: 'delete', pod, why: 'condemned' });
    if (monotonic) return done(true);
  }

  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return done(false);
  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const replicas = end - start;
  const targets: Pod[] = [];
  for (let index = replicas - 1; index >= partition; index--) {
    const pod = byOrdinal.get(start + index);
    if (pod) targets.push(pod);
  }
  // Pods already updated (or going) that are not healthy use up the unavailability budget.
  let budget = maxUnavailable(set) - targets.filter((p) => !healthy(p) && (isTerminating(p) || podRevision(p) === input.updateRevision)).length;
  let waiting = false;
  for (const pod of targets) {
    if (podRevision(pod) === input.updateRevision || isTerminating(pod)) continue;
    // An old pod that is already down costs nothing to replace; a healthy one takes budget.
    if (healthy(pod)) {
      if (budget <= 0) {
        waiting = true;
        break;
      }
      budget--;
    }
    actions.push({ type: 'delete', pod, why: 'update' });
  }
  return done(waiting);
}
