/**
 * A StatefulSet's status from its pods (upstream updateStatefulSet's status counting and
 * completeRollingUpdate): replicas counts created pods, readyReplicas Running and Ready,
 * availableReplicas also ready for minReadySeconds, currentReplicas / updatedReplicas the
 * live pods of the current / update revision; when a RollingUpdate has every pod updated
 * and ready, the update revision becomes the current one.
 */
import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable } from '../replicaset/pod-util.js';
import { isRunningAndReady, isTerminating, podRevision } from './stateful-pod.js';

export interface StatusInput {
  set: StatefulSet;
  pods: Pod[];
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
  nowMs: number;
}

export function computeStatus(input: StatusInput): StatefulSetStatus {
  const { set, nowMs } = input;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    ...(set.status?.conditions ? { conditions: set.status.conditions } : {}),
    observedGeneration: set.metadata?.generation ?? 0,
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    currentRevision: input.currentRevision,
    updateRevision: input.updateRevision,
    collisionCount: input.collisionCount,
  };
  for (const pod of input.pods) {
    // Upstream isCreated: a pod counts once the kubelet (or the API) gave it a phase.
    if (!pod.status?.phase) continue;
    status.replicas++;
    if (isRunningAndReady(pod)) {
      status.readyReplicas!++;
      if (isPodAvailable(pod, minReady, nowMs)) status.availableReplicas!++;
    }
    if (isTerminating(pod)) continue;
    const rev = podRevision(pod);
    if (rev === input.currentRevision) status.currentReplicas!++;
    if (rev === input.updateRevision) status.updatedReplicas!++;
  }
  const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  if (rolling && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentRevision = status.updateRevision;
    status.currentReplicas = status.updatedReplicas;
  }
  return status;
}
