/**
 * spec.backoffLimitPerIndex (Indexed Jobs, upstream indexed_job_utils.go): every index has
 * its own retry budget. The failures of an index so far travel on its pods, in the
 * job-index-failure-count annotation (and the ignored-failure-count one for failures a
 * podFailurePolicy Ignore rule matched) that the controller sets on each replacement pod.
 * An index fails once a counted failure finds its budget spent, or a FailIndex rule
 * matched; status.failedIndexes lists those, and maxFailedIndexes bounds them.
 *
 * Because the count lives on the pods, the last failed pod of an index keeps its tracking
 * finalizer until its replacement exists: otherwise it could vanish and take the count
 * with it.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { remainingBackoffMs } from './backoff.js';
import { parseIndexes, validIndex } from './indexes.js';
import { hasTrackingFinalizer, isIndexed, isPodFailed, newCondition, podFinishedAt } from './job-util.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';

const MAX_INT32 = 2147483647;

/** Whether failures are budgeted per index (the field only means something for Indexed Jobs). */
export function hasBackoffLimitPerIndex(job: Job): boolean {
  return isIndexed(job) && typeof job.spec?.backoffLimitPerIndex === 'number';
}

/** A count annotation; absent, malformed or out of int32 range reads as 0 (a user may have edited it). */
function countAnnotation(pod: Pod, key: string): number {
  const raw = pod.metadata?.annotations?.[key];
  if (raw === undefined || !/^\d+$/.test(raw)) return 0;
  const n = Number(raw);
  return n <= MAX_INT32 ? n : 0;
}

/** Counted failures of the pod's index before this pod. */
export function indexFailureCount(pod: Pod): number {
  return countAnnotation(pod, JOB_INDEX_FAILURE_COUNT);
}

/** Counted plus ignored failures of the pod's index before this pod (what the backoff grows with). */
export function indexAbsoluteFailureCount(pod: Pod): number {
  return indexFailureCount(pod) + countAnnotation(pod, JOB_INDEX_IGNORED_FAILURE_COUNT);
}

/**
 * Whether this pod's failure fails its index: a FailIndex rule matched, or the failure
 * counts and the index had already used up backoffLimitPerIndex before it.
 */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  if (!isPodFailed(pod, job)) return false;
  const m = matchPodFailurePolicy(job, pod);
  if (m.action === 'FailIndex') return true;
  return m.countFailed && indexFailureCount(pod) >= (job.spec?.backoffLimitPerIndex ?? 0);
}

/** status.failedIndexes plus the indexes of failed, not yet counted pods that fail their index. */
export function calculateFailedIndexes(job: Job, pods: Pod[]): Set<number> {
  const completions = job.spec?.completions ?? 0;
  const out = new Set(parseIndexes(job.status?.failedIndexes, completions));
  for (const p of pods) {
    const i = validIndex(p, completions);
    if (i !== undefined && hasTrackingFinalizer(p) && isIndexFailed(job, p)) out.add(i);
  }
  return out;
}

/**
 * Per pending index, the failed pod a replacement will take its counts from: the one
 * furthest along (highest count, then latest finish), for indexes neither finished nor
 * held by an active pod. These pods keep their tracking finalizer until replaced.
 */
export function podsAwaitingReplacement(job: Job, pods: Pod[], succeeded: ReadonlySet<number>, failed: ReadonlySet<number>, activeIndexes: ReadonlySet<number>): Map<number, Pod> {
  const completions = job.spec?.completions ?? 0;
  const out = new Map<number, Pod>();
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const i = validIndex(p, completions);
    if (i === undefined || succeeded.has(i) || failed.has(i) || activeIndexes.has(i)) continue;
    const last = out.get(i);
    if (!last || (indexAbsoluteFailureCount(last) <= indexAbsoluteFailureCount(p) && podFinishedAt(p) >= podFinishedAt(last))) out.set(i, p);
  }
  return out;
}

/** The count annotations for the pod replacing `replaced` (none: the index's first pod). */
export function replacementAnnotations(job: Job, replaced: Pod | undefined): Record<string, string> {
  let failures = 0;
  let ignored = 0;
  if (replaced) {
    failures = indexFailureCount(replaced);
    ignored = countAnnotation(replaced, JOB_INDEX_IGNORED_FAILURE_COUNT);
    if (matchPodFailurePolicy(job, replaced).countFailed) failures++;
    else ignored++;
  }
  const out: Record<string, string> = { [JOB_INDEX_FAILURE_COUNT]: String(failures) };
  if (ignored > 0) out[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(ignored);
  return out;
}

/** How long the index of `lastFailed` waits before its next pod: the Job's backoff, counted per index. */
export function indexBackoffRemainingMs(lastFailed: Pod | undefined, nowMs: number, baseMs: number, maxMs: number): number {
  if (!lastFailed) return 0;
  return remainingBackoffMs({ failuresAfterLastSuccess: indexAbsoluteFailureCount(lastFailed) + 1, lastFailureMs: podFinishedAt(lastFailed) }, nowMs, baseMs, maxMs);
}

/**
 * The FailureTarget the failed indexes call for: more than maxFailedIndexes, or every
 * index finished with at least one failed.
 */
export function failedIndexesCondition(job: Job, failed: ReadonlySet<number>, succeeded: ReadonlySet<number>, nowMs: number): JobCondition | undefined {
  const max = job.spec?.maxFailedIndexes;
  if (typeof max === 'number' && failed.size > max) {
    return newCondition('FailureTarget', 'True', 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes', nowMs);
  }
  if (failed.size > 0 && failed.size + succeeded.size >= (job.spec?.completions ?? 0)) {
    return newCondition('FailureTarget', 'True', 'FailedIndexes', 'Job has failed indexes', nowMs);
  }
  return undefined;
}
