/**
 * The pure decisions of one Job sync (upstream syncJob and trackJobStatusAndRemoveFinalizers),
 * kept apart from the API calls: which finished pods are new, how many succeeded and
 * failed, whether the Job has failed (FailureTarget) or met its success criteria, how
 * many pods should run, which pods' tracking finalizers may go and what enters
 * status.uncountedTerminatedPods first, and how uncounted pods become counters.
 */
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { validIndex, parseIndexes } from './indexes.js';
import { findCondition, hasTrackingFinalizer, isIndexed, isPodFailed, isSuspended, newCondition } from './job-util.js';
import { failedIndexesCondition } from './per-index.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { matchSuccessPolicy } from './success-policy.js';

const uid = (p: Pod) => p.metadata?.uid ?? '';

export interface FinishedCounts {
  /** Finished pods not yet in the counters nor in uncountedTerminatedPods. */
  newSucceeded: Pod[];
  newFailed: Pod[];
  /** Counters including new and uncounted pods (failures an Ignore rule matched excluded). */
  succeeded: number;
  failed: number;
}

/** Pods the counters still have to take in: with the finalizer, not uncounted yet, not being un-finalized, with a valid index. */
function isUncountable(job: Job, pod: Pod, uncounted: ReadonlySet<string>, expectedRm: ReadonlySet<string>): boolean {
  if (!hasTrackingFinalizer(pod) || uncounted.has(uid(pod)) || expectedRm.has(uid(pod))) return false;
  return !isIndexed(job) || validIndex(pod, job.spec?.completions ?? 0) !== undefined;
}

export function countFinished(job: Job, pods: Pod[], expectedRm: ReadonlySet<string>): FinishedCounts {
  const status = job.status ?? {};
  const uncSucceeded = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
  const uncFailed = new Set(status.uncountedTerminatedPods?.failed ?? []);
  const newSucceeded = pods.filter((p) => isUncountable(job, p, uncSucceeded, expectedRm) && p.status?.phase === 'Succeeded');
  const newFailed = pods.filter((p) => isUncountable(job, p, uncFailed, expectedRm) && isPodFailed(p, job));
  const counted = newFailed.filter((p) => matchPodFailurePolicy(job, p).countFailed).length;
  return {
    newSucceeded,
    newFailed,
    succeeded: (status.succeeded ?? 0) + newSucceeded.length + uncSucceeded.size,
    failed: (status.failed ?? 0) + counted + uncFailed.size,
  };
}

/** restartPolicy OnFailure: the containers' restarts of running pods reach backoffLimit. */
export function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** The Job ran longer than activeDeadlineSeconds since startTime (never while suspended). */
export function activeDeadlineLeftMs(job: Job, nowMs: number): number | undefined {
  const ads = job.spec?.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (ads === undefined || ads === null || !start || isSuspended(job)) return undefined;
  return Date.parse(start) + ads * 1000 - nowMs;
}

/** An Indexed Job's finished indexes; `failed` only when failures are budgeted per index. */
export interface IndexOutcome {
  succeeded: ReadonlySet<number>;
  failed?: ReadonlySet<number>;
}

/**
 * The condition that ends the Job, if any, before pods are managed: an earlier
 * SuccessCriteriaMet stays; an earlier FailureTarget becomes Failed; otherwise a FailJob
 * rule, too many failures, the active deadline, or (Indexed) too many failed indexes
 * give a FailureTarget; failing all that, a met successPolicy gives SuccessCriteriaMet.
 */
export function terminalCondition(job: Job, pods: Pod[], failed: number, nowMs: number, indexes?: IndexOutcome): JobCondition | undefined {
  const met = findCondition(job, 'SuccessCriteriaMet');
  if (met?.status === 'True') return met;
  const target = findCondition(job, 'FailureTarget');
  if (target?.status === 'True') return newCondition('Failed', 'True', target.reason ?? '', target.message ?? '', nowMs);
  const failure = newFailure(job, pods, failed, nowMs, indexes);
  if (failure || !indexes) return failure;
  const msg = matchSuccessPolicy(job, indexes.succeeded);
  return msg === undefined ? undefined : newCondition('SuccessCriteriaMet', 'True', 'SuccessPolicy', msg, nowMs);
}

/** A FailureTarget this sync finds, in upstream's order of precedence. */
function newFailure(job: Job, pods: Pod[], failed: number, nowMs: number, indexes: IndexOutcome | undefined): JobCondition | undefined {
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job, p);
    if (m.failJobMessage !== undefined) return newCondition('FailureTarget', 'True', 'PodFailurePolicy', m.failJobMessage, nowMs);
  }
  if (failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
    return newCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', nowMs);
  }
  const left = activeDeadlineLeftMs(job, nowMs);
  if (left !== undefined && left <= 0) return newCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline', nowMs);
  if (indexes?.failed) return failedIndexesCondition(job, indexes.failed, indexes.succeeded, nowMs);
  return undefined;
}

/**
 * How many pods should be active: with completions, what remains (at most
 * parallelism); without (a work queue), parallelism until the first success, then no
 * new pods — the running ones finish on their own.
 */
export function wantActive(job: Job, active: number, succeeded: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

/** Whether every completion is in (work queue: one success and nothing left running). */
export function isComplete(job: Job, succeeded: number, active: number): boolean {
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 && active === 0;
  return succeeded >= completions && active === 0;
}

/** Succeeded indexes: those already in status.completedIndexes plus those of succeeded pods still holding the finalizer. */
export function succeededIndexes(job: Job, pods: Pod[]): { previous: Set<number>; current: Set<number> } {
  const completions = job.spec?.completions ?? 0;
  const previous = new Set(parseIndexes(job.status?.completedIndexes, completions));
  const current = new Set(previous);
  for (const p of pods) {
    if (p.status?.phase !== 'Succeeded' || !hasTrackingFinalizer(p)) continue;
    const i = validIndex(p, completions);
    if (i !== undefined) current.add(i);
  }
  return { previous, current };
}

export interface TrackingPlan {
  /** Pods whose tracking finalizer is removed after the status recorded them. */
  removeFinalizer: Pod[];
  /** UIDs to append to status.uncountedTerminatedPods. */
  addSucceeded: string[];
  addFailed: string[];
  /** Indexes newly succeeded (Indexed Jobs, which need no UIDs). */
  newSucceededIndexes: number[];
}

/** At most this many UIDs wait in uncountedTerminatedPods at once (keeps the status small). */
export const MAX_UNCOUNTED_PODS = 500;

/**
 * Which finished pods the status records and whose finalizers go: every pod with the
 * finalizer that succeeded, failed, or — once the Job is ending or deleted — anything
 * left. When the Job has failed, pods still running count as failed. With
 * backoffLimitPerIndex, failed pods in `awaitingReplacement` (UIDs) wait for their
 * index's next pod.
 */
export function planTracking(
  job: Job,
  pods: Pod[],
  expectedRm: ReadonlySet<string>,
  ending: JobCondition | undefined,
  previousIndexes: ReadonlySet<number>,
  awaitingReplacement: ReadonlySet<string> = new Set(),
): TrackingPlan & { reachedMax: boolean } {
  const plan: TrackingPlan & { reachedMax: boolean } = { removeFinalizer: [], addSucceeded: [], addFailed: [], newSucceededIndexes: [], reachedMax: false };
  const status = job.status ?? {};
  const uncSucceeded = new Set(status.uncountedTerminatedPods?.succeeded ?? []);
  const uncFailed = new Set(status.uncountedTerminatedPods?.failed ?? []);
  const indexed = isIndexed(job);
  const completions = job.spec?.completions ?? 0;
  const failing = ending !== undefined && ending.type !== 'SuccessCriteriaMet';
  const pending = uncSucceeded.size + uncFailed.size;
  const ordered = indexed ? [...pods].sort((a, b) => (validIndex(a, completions) ?? Infinity) - (validIndex(b, completions) ?? Infinity)) : pods;
  for (const pod of ordered) {
    if (!hasTrackingFinalizer(pod) || expectedRm.has(uid(pod))) continue;
    const failed = isPodFailed(pod, job);
    // A failed pod whose index still awaits its replacement keeps the finalizer: it carries the index's failure count.
    const removable = !!job.metadata?.deletionTimestamp || ending !== undefined || pod.status?.phase === 'Succeeded' || (failed && !awaitingReplacement.has(uid(pod)));
    if (!removable) continue;
    plan.removeFinalizer.push(pod);
    if (pod.status?.phase === 'Succeeded' && !uncFailed.has(uid(pod))) {
      if (indexed) {
        const i = validIndex(pod, completions);
        if (i !== undefined && !previousIndexes.has(i) && !plan.newSucceededIndexes.includes(i)) plan.newSucceededIndexes.push(i);
      } else if (!uncSucceeded.has(uid(pod))) plan.addSucceeded.push(uid(pod));
    } else if (failed || failing) {
      const validForIndex = !indexed || validIndex(pod, completions) !== undefined;
      if (!uncFailed.has(uid(pod)) && validForIndex && matchPodFailurePolicy(job, pod).countFailed) plan.addFailed.push(uid(pod));
    }
    if (pending + plan.newSucceededIndexes.length + plan.addSucceeded.length + plan.addFailed.length >= MAX_UNCOUNTED_PODS) {
      plan.reachedMax = true;
      break;
    }
  }
  return plan;
}

/**
 * Moves uncounted pods whose finalizer is gone into the counters (succeeded / failed).
 * Returns whether the status changed.
 */
export function countUncounted(status: JobStatus, withFinalizer: ReadonlySet<string>): boolean {
  const unc = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  const keepS = (unc.succeeded ?? []).filter((u) => withFinalizer.has(u));
  if (keepS.length !== (unc.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (unc.succeeded ?? []).length - keepS.length;
    changed = true;
  }
  const keepF = (unc.failed ?? []).filter((u) => withFinalizer.has(u));
  if (keepF.length !== (unc.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (unc.failed ?? []).length - keepF.length;
    changed = true;
  }
  unc.succeeded = keepS;
  unc.failed = keepF;
  if (!keepS.length) delete unc.succeeded;
  if (!keepF.length) delete unc.failed;
  return changed;
}
