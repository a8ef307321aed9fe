/**
 * Names and small pure facts the Job controller works with (upstream batch/v1 constants,
 * pkg/controller/job/util): the labels, annotation and finalizer it puts on pods,
 * whether a Job has finished, how a condition is set, when a pod counts as failed or
 * terminating and when it finished.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatTime } from '../../util/clock.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

export type JobConditionType = 'Complete' | 'Failed' | 'Suspended' | 'FailureTarget' | 'SuccessCriteriaMet';

/** A Job is finished once it carries Complete or Failed as True (upstream IsJobFinished). */
export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function findCondition(job: Job, type: JobConditionType): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

/** The value of spec.managedBy that names this controller; any other leaves the Job to someone else. */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

export function managedElsewhere(job: Job): boolean {
  const by = job.spec?.managedBy;
  return by !== undefined && by !== JOB_CONTROLLER_NAME;
}

export function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

export function isSuspended(job: Job): boolean {
  return job.spec?.suspend === true;
}

export function newCondition(type: JobConditionType, status: 'True' | 'False', reason: string, message: string, nowMs: number): JobCondition {
  const t = formatTime(nowMs);
  const c: JobCondition = { type, status, lastProbeTime: t, lastTransitionTime: t };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/**
 * `conditions` with the one of `type` set to status/reason/message: replaced when any of
 * them differ, appended when missing — except that a missing condition is never added
 * as False (nothing to False says nothing). Returns whether anything changed.
 */
export function ensureCondition(
  conditions: JobCondition[],
  type: JobConditionType,
  status: 'True' | 'False',
  reason: string,
  message: string,
  nowMs: number,
): { conditions: JobCondition[]; changed: boolean } {
  const i = conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = conditions[i]!;
    if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return { conditions, changed: false };
    const next = [...conditions];
    next[i] = newCondition(type, status, reason, message, nowMs);
    return { conditions: next, changed: true };
  }
  if (status === 'False') return { conditions, changed: false };
  return { conditions: [...conditions, newCondition(type, status, reason, message, nowMs)], changed: true };
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/** Only failed pods are replaced (never terminating ones) under a podFailurePolicy or podReplacementPolicy Failed. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;
}

/**
 * A pod counts as failed when its phase says so or, unless only failed pods are
 * replaced, when it is being deleted before it succeeded (an orphan that never reaches
 * a terminal phase still has to count).
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** Being deleted and not yet in a terminal phase (upstream CountTerminatingPods). */
export function isPodTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

/**
 * When a pod finished: the latest container finish time when all containers
 * terminated, else when Ready turned False, else its deletion time less its grace
 * period, else its creation.
 */
export function podFinishedAt(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.length && statuses.every((s) => s.state?.terminated?.finishedAt)) {
    return Math.max(...statuses.map((s) => Date.parse(s.state!.terminated!.finishedAt!)));
  }
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) return Date.parse(ready.lastTransitionTime);
  if (pod.metadata?.deletionTimestamp) return Date.parse(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(pod.metadata?.creationTimestamp ?? '') || 0;
}
