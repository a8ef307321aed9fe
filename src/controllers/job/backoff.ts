/**
 * The delay before a Job replaces failed pods (upstream backoff_utils.go): each failure
 * since the last success doubles it from a base (10 s) up to a cap, counted from the
 * last failure. The record is per Job and kept in memory, as upstream does.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podFinishedAt } from './job-util.js';

export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
/** Upstream MaxJobPodFailureBackOff (the docs say six minutes; the code caps at ten). */
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureMs?: number;
}

/** The record after newly finished pods: a success resets it, failures after the last success add to it. */
export function nextBackoffRecord(prev: BackoffRecord | undefined, newSucceeded: Pod[], newFailed: Pod[]): BackoffRecord {
  const base: BackoffRecord = prev ? { ...prev } : { failuresAfterLastSuccess: 0 };
  const failedTimes = newFailed.map(podFinishedAt).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return base;
    return { failuresAfterLastSuccess: base.failuresAfterLastSuccess + failedTimes.length, lastFailureMs: failedTimes[failedTimes.length - 1]! };
  }
  const lastSuccess = Math.max(...newSucceeded.map(podFinishedAt));
  const after = failedTimes.filter((t) => t > lastSuccess);
  return after.length ? { failuresAfterLastSuccess: after.length, lastFailureMs: after[after.length - 1]! } : { failuresAfterLastSuccess: 0 };
}

/** How long until pods may be created again; 0 when now. */
export function remainingBackoffMs(record: BackoffRecord, nowMs: number, baseMs = DEFAULT_POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureMs === undefined) return 0;
  let delay = baseMs;
  for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
    delay *= 2;
    if (delay >= maxMs) {
      delay = maxMs;
      break;
    }
  }
  const elapsed = nowMs - record.lastFailureMs;
  return delay < elapsed ? 0 : delay - elapsed;
}
