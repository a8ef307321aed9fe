/**
 * The CronJob controller (upstream pkg/controller/cronjob, the v2 controller): for each
 * batch/v1 CronJob it trims finished Jobs beyond the history limits, reconciles
 * status.active with the Jobs it owns (seeing them finish, noticing ones gone missing),
 * and — unless suspended or being deleted — creates the Job for the most recent
 * activation of the schedule that is still within startingDeadlineSeconds, honouring the
 * concurrency policy (Allow, Forbid skips while one runs, Replace deletes the running
 * ones first). It then wakes at the next activation instead of polling. Everything goes
 * through the API; time comes from `now` and the wake-ups from `clock`, so tests move it.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { ApiError } from '../../api/errors.js';
import { cloneJson } from '../../api/object.js';
import {
  Client,
  EventRecorder,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isAlreadyExists,
  isNotFound,
  objectKey,
  runController,
  splitKey,
  type RunningController,
} from '../../client/index.js';
import { formatTime, realClock, type Clock, type Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { parseCronSchedule, type CronSchedule } from '../../api/cron/cron-schedule.js';
import {
  finishedCondition,
  formatRfc1123z,
  inActiveList,
  inActiveListByName,
  jobFromTemplate,
  jobName,
  jobReference,
  jobsBeyondHistoryLimits,
  scheduleHasTimeZone,
  withoutActive,
} from './cronjob-util.js';
import { nextScheduleDelayMs, nextScheduleTime, type ScheduleInputs } from './schedule-times.js';
import { loadTimeZone, localTimeZone, type TimeZone } from '../../api/cron/time-zone.js';

export interface CronJobControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  /** The current time for every scheduling decision. Default: `clock`'s time. */
  now?: () => Date;
  /** Runs the wake-up timers at activation times (tests pass a FakeClock). Default real time. */
  clock?: Clock;
  /** Zone of schedules without spec.timeZone (upstream: the controller manager's local zone). */
  localTimeZone?: string;
  /** Concurrent syncs (upstream --concurrent-cron-job-syncs, 5). */
  workers?: number;
}

type Outcome = { cronJob: CronJob; changed: boolean; requeueAfterMs?: number | undefined; error?: Error | undefined };

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ApiError && (err.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

function controllerOf(obj: { metadata?: { ownerReferences?: readonly OwnerReference[] } }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function startCronJobController(options: CronJobControllerOptions): RunningController {
  const { client, informers } = options;
  const clock = options.clock ?? realClock;
  const now = options.now ?? (() => new Date(clock.now()));
  // Made on first use: the first Intl call loads ICU's zone data (~30 ms of the server's
  // start on the 2-core machine), and a cluster without CronJobs never needs it.
  let local: TimeZone | undefined;
  const localZone = (): TimeZone => (local ??= options.localTimeZone !== undefined ? loadTimeZone(options.localTimeZone) : localTimeZone());
  const logger = options.logger.child({ controller: 'cronjob' });
  const queue = new WorkQueue<string>();
  const recorder = new EventRecorder(client, { component: 'cronjob-controller' }, { logger });
  const cronJobInformer = informers.informerFor<CronJob>(RESOURCE_TYPES.cronjobs);
  const jobInformer = informers.informerFor<Job>(RESOURCE_TYPES.jobs);
  const cronJobs = cronJobInformer.lister();
  const jobs = jobInformer.lister();

  /** One pending wake-up per CronJob: each sync knows the whole truth, so the newest replaces the older. */
  const wakeups = new Map<string, Timer>();
  let stopped = false;
  const wakeAfter = (key: string, delayMs: number) => {
    if (stopped) return;
    wakeups.get(key)?.cancel();
    const timer = clock.setTimer(Math.max(0, delayMs), () => {
      if (wakeups.get(key) === timer) wakeups.delete(key);
      queue.add(key);
    });
    wakeups.set(key, timer);
  };
  const cancelWakeup = (key: string) => {
    wakeups.get(key)?.cancel();
    wakeups.delete(key);
  };

  /** The zone the schedule runs in: spec.timeZone when valid, else the local zone (a TZ= prefix overrides both when parsed). */
  const scheduleZone = (cj: CronJob): TimeZone => {
    const tz = cj.spec?.timeZone;
    if (tz === undefined || scheduleHasTimeZone(cj.spec?.schedule ?? '')) return localZone();
    try {
      return loadTimeZone(tz);
    } catch {
      return localZone();
    }
  };
  const scheduleInputs = (cj: CronJob): ScheduleInputs => ({
    creationMs: Date.parse(cj.metadata?.creationTimestamp ?? '') || 0,
    lastScheduleMs: cj.status?.lastScheduleTime ? Date.parse(cj.status.lastScheduleTime) : undefined,
    startingDeadlineSeconds: cj.spec?.startingDeadlineSeconds ?? undefined,
  });

  const resolve = (namespace: string | undefined, ref: OwnerReference | undefined): CronJob | undefined => {
    if (!ref || ref.kind !== 'CronJob' || !namespace) return undefined;
    const cj = cronJobs.get(`${namespace}/${ref.name}`);
    return cj?.metadata?.uid === ref.uid ? cj : undefined;
  };
  const enqueueOwner = (job: Job, ref = controllerOf(job)) => {
    const cj = resolve(job.metadata?.namespace, ref);
    if (cj) queue.add(objectKey(cj));
  };

  cronJobInformer.addEventHandler({
    onAdd: (cj) => queue.add(objectKey(cj)),
    onUpdate(old, cj) {
      const key = objectKey(cj);
      if (old.spec?.schedule === cj.spec?.schedule && old.spec?.timeZone === cj.spec?.timeZone) {
        queue.add(key);
        return;
      }
      // A new schedule: look again at its next activation, not now (a late start of the old one is not wanted).
      let schedule: CronSchedule;
      try {
        schedule = parseCronSchedule(cj.spec?.schedule ?? '', scheduleZone(cj));
      } catch {
        recorder.event(cj, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cj.spec?.schedule ?? ''}`);
        return;
      }
      const delay = nextScheduleDelayMs(scheduleInputs(cj), now().getTime(), schedule);
      if (delay !== undefined) wakeAfter(key, delay);
    },
    onDelete: (cj) => queue.add(objectKey(deletedObject(cj))),
  });
  jobInformer.addEventHandler({
    onAdd: (job) => enqueueOwner(job),
    onUpdate(old, job) {
      if (old.metadata?.resourceVersion === job.metadata?.resourceVersion) return;
      const oldRef = controllerOf(old);
      const ref = controllerOf(job);
      if (oldRef && oldRef.uid !== ref?.uid) enqueueOwner(old, oldRef);
      if (ref) enqueueOwner(job, ref);
    },
    onDelete: (job) => enqueueOwner(deletedObject(job)),
  });

  /** Deletes a Job (its pods go in the background) and drops it from the active list. */
  async function deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await client.delete(RESOURCE_TYPES.jobs, job.metadata!.name!, { namespace: job.metadata!.namespace!, propagationPolicy: 'Background' });
    } catch (err) {
      recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorText(err)}`);
      logger.warn({ cronjob: objectKey(cj), job: job.metadata?.name, err: errorText(err) }, 'deleting job failed');
      return false;
    }
    withoutActive(cj, job.metadata?.uid);
    recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata!.name}`);
    return true;
  }

  async function cleanupFinishedJobs(cj: CronJob, owned: Job[]): Promise<boolean> {
    if (cj.spec?.successfulJobsHistoryLimit == null && cj.spec?.failedJobsHistoryLimit == null) return false;
    let changed = false;
    for (const job of jobsBeyondHistoryLimits(cj, owned)) if (await deleteJob(cj, job)) changed = true;
    return changed;
  }

  async function syncCronJob(start: CronJob, owned: Job[]): Promise<Outcome> {
    let cj = start;
    const nowMs = now().getTime();
    let changed = false;
    const done = (extra: Partial<Outcome> = {}): Outcome => ({ cronJob: cj, changed, ...extra });
    const namespace = cj.metadata!.namespace!;
    const name = cj.metadata!.name!;

    const children = new Set<string | undefined>();
    for (const job of owned) {
      children.add(job.metadata?.uid);
      const found = inActiveList(cj, job.metadata?.uid);
      const finished = finishedCondition(job);
      if (!found && !finished) {
        // Maybe our cache is behind our own status write: ask the API server before complaining.
        let fresh: CronJob;
        try {
          fresh = await client.get<CronJob>(RESOURCE_TYPES.cronjobs, name, { namespace });
        } catch (err) {
          return done({ error: err as Error });
        }
        if (inActiveList(fresh, job.metadata?.uid)) {
          cj = fresh;
          continue;
        }
        recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata?.name}`);
      } else if (finished) {
        if (found) {
          withoutActive(cj, job.metadata?.uid);
          recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, condition: ${finished}`);
          changed = true;
        }
        const completion = job.status?.completionTime;
        if (finished === 'Complete' && completion) {
          const last = cj.status?.lastSuccessfulTime;
          if (!last || Date.parse(completion) > Date.parse(last)) {
            cj.status = { ...(cj.status ?? {}), lastSuccessfulTime: completion };
            changed = true;
          }
        }
      }
    }

    // An active Job neither in the cache nor on the server is gone: forget it, or the CronJob stays "active" forever.
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid)) continue;
      try {
        await client.get<Job>(RESOURCE_TYPES.jobs, ref.name!, { namespace: ref.namespace ?? namespace });
      } catch (err) {
        if (!isNotFound(err)) return done({ error: err as Error });
        recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        withoutActive(cj, ref.uid);
        changed = true;
      }
    }

    if (cj.metadata?.deletionTimestamp) return done();

    const timeZone = cj.spec?.timeZone;
    if (timeZone != null) {
      try {
        loadTimeZone(timeZone);
      } catch (err) {
        recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(timeZone)}: ${errorText(err)}`);
        return done();
      }
    }
    if (cj.spec?.suspend === true) return done();

    const scheduleText = cj.spec?.schedule ?? '';
    if (scheduleHasTimeZone(scheduleText)) {
      recorder.event(
        cj,
        'Warning',
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule ${JSON.stringify(scheduleText)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    let schedule: CronSchedule;
    try {
      schedule = parseCronSchedule(scheduleText, scheduleZone(cj));
    } catch (err) {
      recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(scheduleText)} : ${errorText(err)}`);
      return done();
    }

    const inputs = scheduleInputs(cj);
    const requeue = () => done({ requeueAfterMs: nextScheduleDelayMs(inputs, nowMs, schedule) });
    const due = nextScheduleTime(inputs, nowMs, schedule);
    if (due.tooManyMissed) {
      recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
      logger.info({ cronjob: objectKey(cj) }, 'too many missed times');
    }
    if (due.error !== undefined) {
      recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${scheduleText} : ${due.error}`);
      return done();
    }
    const scheduledMs = due.scheduledMs;
    if (scheduledMs === undefined) return requeue();

    const deadline = cj.spec?.startingDeadlineSeconds;
    if (deadline != null && scheduledMs + deadline * 1000 < nowMs) {
      recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRfc1123z(scheduledMs)}`);
      return requeue();
    }
    const lastSchedule = cj.status?.lastScheduleTime;
    if (inActiveListByName(cj, namespace, jobName(name, scheduledMs)) || (lastSchedule && Date.parse(lastSchedule) === scheduledMs)) return requeue();

    const active = cj.status?.active ?? [];
    if (cj.spec?.concurrencyPolicy === 'Forbid' && active.length > 0) {
      recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeue();
    }
    if (cj.spec?.concurrencyPolicy === 'Replace') {
      for (const ref of [...active]) {
        let running: Job;
        try {
          running = await client.get<Job>(RESOURCE_TYPES.jobs, ref.name!, { namespace: ref.namespace ?? namespace });
        } catch (err) {
          recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${errorText(err)}`);
          return done({ error: err as Error });
        }
        if (!(await deleteJob(cj, running))) return done({ error: new Error(`could not replace job ${ref.namespace ?? namespace}/${ref.name}`) });
        changed = true;
      }
    }

    const request = jobFromTemplate(cj, scheduledMs, loadTimeZone(timeZone ?? ''));
    let created: Job;
    let alreadyExisted = false;
    try {
      created = await client.create<Job>(RESOURCE_TYPES.jobs, request);
    } catch (err) {
      if (isNamespaceTerminating(err)) return done({ error: err as Error });
      if (!isAlreadyExists(err)) {
        recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorText(err)}`);
        return done({ error: err as Error });
      }
      // Our own Job from an earlier sync whose status write was lost: record it; someone else's: leave it.
      alreadyExisted = true;
      try {
        created = await client.get<Job>(RESOURCE_TYPES.jobs, request.metadata!.name!, { namespace });
      } catch (getErr) {
        return done({ error: getErr as Error });
      }
      if (controllerOf(created)?.uid !== cj.metadata?.uid) return done();
      if (inActiveList(cj, created.metadata?.uid)) return done();
    }
    if (alreadyExisted) logger.info({ cronjob: objectKey(cj), job: created.metadata?.name }, 'job already exists');
    else recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);

    cj.status = { ...(cj.status ?? {}), active: [...(cj.status?.active ?? []), jobReference(created)], lastScheduleTime: formatTime(scheduledMs) };
    changed = true;
    return requeue();
  }

  const controller = runController({
    name: 'cronjob',
    queue,
    workers: options.workers ?? 5,
    waitFor: [informers],
    logger: options.logger,
    async reconcile(key) {
      const cached = cronJobs.get(key);
      if (!cached) {
        cancelWakeup(key);
        return undefined;
      }
      const { namespace } = splitKey(key);
      // Every Job naming this CronJob as controller, whatever its labels say now.
      const owned = jobs
        .namespace(namespace)
        .list()
        .filter((j) => {
          const ref = controllerOf(j);
          return ref?.kind === 'CronJob' && ref.name === cached.metadata?.name;
        });
      const working = cloneJson(cached);
      const cleaned = await cleanupFinishedJobs(working, owned);
      const outcome = await syncCronJob(working, owned);
      if (outcome.error) logger.info({ cronjob: key, err: errorText(outcome.error) }, 'error reconciling cronjob');
      if (cleaned || outcome.changed) {
        try {
          await client.updateStatus<CronJob>(RESOURCE_TYPES.cronjobs, outcome.cronJob);
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      }
      if (outcome.requeueAfterMs !== undefined) {
        wakeAfter(key, outcome.requeueAfterMs);
        return undefined;
      }
      if (outcome.error) throw outcome.error;
      // Suspended, being deleted, or an unusable schedule: nothing to wake for until the CronJob changes.
      cancelWakeup(key);
      return undefined;
    },
  });
  return {
    started: controller.started,
    done: controller.done,
    async stop() {
      stopped = true;
      for (const timer of wakeups.values()) timer.cancel();
      wakeups.clear();
      await controller.stop();
      await recorder.stop();
    },
  };
}
