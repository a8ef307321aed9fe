/**
 * The status a ReplicaSet (or ReplicationController) reports, from the active pods it
 * owns (upstream calculateStatus): replicas, fullyLabeledReplicas, readyReplicas,
 * availableReplicas honouring minReadySeconds, and the ReplicaFailure condition while
 * creating or deleting pods fails.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady } from './pod-util.js';

export interface ReplicaCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

export interface ManageError {
  /** Negative: pods were missing (create failed); positive: too many (delete failed). */
  diff: number;
  message: string;
}

export function calculateStatus(
  current: ReplicaStatus | undefined,
  owner: { generation?: number; templateLabels?: Record<string, string>; minReadySeconds?: number },
  pods: Pod[],
  manageError: ManageError | undefined,
  now: Date,
): ReplicaStatus {
  const templateLabels = Object.entries(owner.templateLabels ?? {});
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.every(([k, v]) => pod.metadata?.labels?.[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) ready++;
    if (isPodAvailable(pod, owner.minReadySeconds ?? 0, now.getTime())) available++;
  }
  let conditions = [...(current?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      reason: manageError.diff < 0 ? 'FailedCreate' : 'FailedDelete',
      message: manageError.message,
      lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  // Zero counts are left out, as upstream's omitempty fields are.
  const status: ReplicaStatus = { replicas: pods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (owner.generation !== undefined) status.observedGeneration = owner.generation;
  if (conditions.length) status.conditions = conditions;
  return status;
}
