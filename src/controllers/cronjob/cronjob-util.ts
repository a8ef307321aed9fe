/**
 * Pure facts the CronJob controller works with (upstream pkg/controller/cronjob
 * utils.go): the Job made for a scheduled time and its deterministic name, the zone a
 * CronJob's schedule runs in, the active list in status, when a Job finished and how,
 * and which finished Jobs fall outside the history limits.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { cloneJson } from '../../api/object.js';
import { mod, wallClock, type TimeZone } from '../../api/cron/time-zone.js';

/** The annotation carrying the scheduled time on each Job (RFC 3339 in the CronJob's zone). */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** `<cronjob>-<scheduled time in minutes since the epoch>`: one Job per activation, so a retry cannot create two. */
export function jobName(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

/** Go's time.RFC3339 ("2006-01-02T15:04:05Z07:00") of `ms` in `zone`: "Z" when the offset is zero. */
export function formatRfc3339In(zone: TimeZone, ms: number): string {
  const w = wallClock(zone, ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const offsetMinutes = Math.round(zone.offsetMs(ms) / 60_000);
  let suffix = 'Z';
  if (offsetMinutes !== 0) {
    const abs = Math.abs(offsetMinutes);
    suffix = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(mod(abs, 60))}`;
  }
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${suffix}`;
}

/** Go's time.RFC1123Z in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"), as the MissSchedule event writes it. */
export function formatRfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export function newCronJobControllerRef(cj: CronJob): OwnerReference {
  return { apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata!.name!, uid: cj.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

/**
 * The Job for one activation: the template's labels, annotations and spec, the
 * deterministic name, the scheduled-timestamp annotation (in spec.timeZone, UTC when
 * unset) and the CronJob as controller.
 */
export function jobFromTemplate(cj: CronJob, scheduledMs: number, annotationZone: TimeZone): Job {
  const template = cj.spec?.jobTemplate;
  const annotations: Record<string, string> = { ...(template?.metadata?.annotations ?? {}) };
  annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = formatRfc3339In(annotationZone, scheduledMs);
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj.metadata!.name!, scheduledMs),
      namespace: cj.metadata!.namespace!,
      annotations,
      ownerReferences: [newCronJobControllerRef(cj)],
    },
    spec: cloneJson(template?.spec ?? { template: {} }),
  };
  const labels = template?.metadata?.labels;
  if (labels && Object.keys(labels).length) job.metadata!.labels = { ...labels };
  return job;
}

/** The object reference status.active keeps for a Job. */
export function jobReference(job: Job): ObjectReference {
  const ref: ObjectReference = { kind: 'Job', apiVersion: 'batch/v1', namespace: job.metadata!.namespace!, name: job.metadata!.name!, uid: job.metadata!.uid! };
  if (job.metadata?.resourceVersion) ref.resourceVersion = job.metadata.resourceVersion;
  return ref;
}

export function inActiveList(cj: CronJob, uid: string | undefined): boolean {
  return (cj.status?.active ?? []).some((r) => r.uid === uid);
}

export function inActiveListByName(cj: CronJob, namespace: string, name: string): boolean {
  return (cj.status?.active ?? []).some((r) => r.name === name && r.namespace === namespace);
}

/** Status with the Job of `uid` gone from the active list (written as [] like upstream once touched). */
export function withoutActive(cj: CronJob, uid: string | undefined): void {
  cj.status = { ...(cj.status ?? {}), active: (cj.status?.active ?? []).filter((r) => r.uid !== uid) };
}

/** 'Complete' or 'Failed' once a Job carries that condition as True. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** Oldest first by status.startTime (Jobs never started last), then by name. */
export function byJobStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa !== undefined && sb !== undefined) {
    const d = Date.parse(sa) - Date.parse(sb);
    if (d !== 0) return d;
  }
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest
 * first; a limit that is unset keeps everything of its kind.
 */
export function jobsBeyondHistoryLimits(cj: CronJob, jobs: readonly Job[]): Job[] {
  const successful: Job[] = [];
  const failed: Job[] = [];
  for (const job of jobs) {
    const c = finishedCondition(job);
    if (c === 'Complete') successful.push(job);
    else if (c === 'Failed') failed.push(job);
  }
  const oldest = (list: Job[], limit: number | undefined) => (limit === undefined ? [] : [...list].sort(byJobStartTime).slice(0, Math.max(0, list.length - limit)));
  return [...oldest(successful, cj.spec?.successfulJobsHistoryLimit), ...oldest(failed, cj.spec?.failedJobsHistoryLimit)];
}

/**
 * Whether the schedule names its own zone (TZ= / CRON_TZ=, refused on create but possible
 * in old objects): then it is used as written and spec.timeZone is ignored.
 */
export function scheduleHasTimeZone(schedule: string): boolean {
  return schedule.includes('TZ');
}
