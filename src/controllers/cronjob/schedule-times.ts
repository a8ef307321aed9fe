/**
 * Which scheduled time a CronJob should act on now, and when to look again (upstream
 * pkg/controller/cronjob/utils.go): the most recent activation since the last one
 * scheduled (or the CronJob's creation), not earlier than startingDeadlineSeconds ago,
 * and whether many (> 100) were missed on the way. Times are milliseconds since the
 * epoch; pure functions over a parsed schedule.
 */
import type { CronSchedule } from '../../api/cron/cron-schedule.js';

/** Upstream pads each requeue by this much so clock skew never wakes it early. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

/** More missed activations than this earn the TooManyMissedTimes warning. */
export const MANY_MISSED = 100;

export type MissedSchedules = 'none' | 'few' | 'many';

export interface ScheduleInputs {
  creationMs: number;
  lastScheduleMs?: number | undefined;
  startingDeadlineSeconds?: number | undefined;
}

export interface MostRecent {
  /** The time scanned from: last schedule or creation, moved up to the starting deadline. */
  earliestMs: number;
  /** The latest activation in (earliest, now], if any. */
  mostRecentMs?: number | undefined;
  missed: MissedSchedules;
  /** Set for schedules that never run or run more than once a second. */
  error?: string | undefined;
}

/**
 * The latest activation after the earliest time and not after now. With many missed it
 * jumps close to now by the interval between the first two activations instead of
 * walking every one of them (upstream's approximation), then walks the rest.
 */
export function mostRecentScheduleTime(cj: ScheduleInputs, nowMs: number, schedule: CronSchedule, includeStartingDeadline: boolean): MostRecent {
  let earliestMs = cj.lastScheduleMs ?? cj.creationMs;
  if (includeStartingDeadline && cj.startingDeadlineSeconds !== undefined) {
    const deadline = nowMs - cj.startingDeadlineSeconds * 1000;
    if (deadline > earliestMs) earliestMs = deadline;
  }
  const t1 = schedule.next(earliestMs);
  const t2 = t1 === undefined ? undefined : schedule.next(t1);
  if (t1 !== undefined && nowMs < t1) return { earliestMs, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && nowMs < t2) return { earliestMs, mostRecentMs: t1, missed: 'none' };

  const intervalSeconds = t1 === undefined || t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (intervalSeconds < 1) return { earliestMs, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsedSeconds = Math.trunc((nowMs - t1!) / 1000);
  const missedCount = Math.trunc(elapsedSeconds / intervalSeconds) + 1;

  let mostRecentMs: number | undefined;
  const potentialEarliest = t1! + (missedCount - 2) * intervalSeconds * 1000;
  for (let t = schedule.next(potentialEarliest); t !== undefined && t <= nowMs; t = schedule.next(t)) mostRecentMs = t;

  const missed: MissedSchedules = missedCount > MANY_MISSED ? 'many' : missedCount > 0 ? 'few' : 'none';
  return { earliestMs, mostRecentMs, missed };
}

/**
 * How long until the next activation after the most recent one (plus the padding), for
 * the requeue; undefined when the schedule never runs again.
 */
export function nextScheduleDelayMs(cj: ScheduleInputs, nowMs: number, schedule: CronSchedule): number | undefined {
  const recent = mostRecentScheduleTime(cj, nowMs, schedule, false);
  let fromMs: number;
  if (recent.error !== undefined) fromMs = nowMs;
  else if (recent.mostRecentMs !== undefined) fromMs = recent.mostRecentMs;
  else fromMs = recent.missed === 'none' ? recent.earliestMs : nowMs;
  const next = schedule.next(fromMs);
  if (next === undefined) return undefined;
  return next + NEXT_SCHEDULE_DELTA_MS - nowMs;
}

export interface ScheduledTime {
  /** The activation to start a Job for, if one is due. */
  scheduledMs?: number | undefined;
  tooManyMissed: boolean;
  error?: string | undefined;
}

/** The activation due now, honouring startingDeadlineSeconds (upstream nextScheduleTime). */
export function nextScheduleTime(cj: ScheduleInputs, nowMs: number, schedule: CronSchedule): ScheduledTime {
  const recent = mostRecentScheduleTime(cj, nowMs, schedule, true);
  if (recent.mostRecentMs === undefined || recent.mostRecentMs > nowMs) return { tooManyMissed: false, error: recent.error };
  return { scheduledMs: recent.mostRecentMs, tooManyMissed: recent.missed === 'many', error: recent.error };
}
