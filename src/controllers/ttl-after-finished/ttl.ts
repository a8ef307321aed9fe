/**
 * When a finished Job's ttlSecondsAfterFinished runs out (upstream ttlafterfinished
 * timeLeft): counted from the lastTransitionTime of its Complete or Failed condition.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';

/** A Job that has finished and asks to be cleaned up. */
export function needsCleanup(job: Job): boolean {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  return ttl !== undefined && ttl !== null && finishedAt(job) !== undefined;
}

/** When the Job finished (Complete or Failed turned True), or undefined while it runs. */
export function finishedAt(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** Milliseconds until the Job may be deleted (≤ 0: now); undefined when it is not to be cleaned up. */
export function timeLeftMs(job: Job, nowMs: number): number | undefined {
  if (job.metadata?.deletionTimestamp || !needsCleanup(job)) return undefined;
  return finishedAt(job)! + job.spec!.ttlSecondsAfterFinished! * 1000 - nowMs;
}
