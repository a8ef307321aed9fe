/**
 * The CronJob controller on an in-process cluster (API server on SQLite in a temp dir),
 * time driven by a FakeClock given to the controller: it wakes exactly at the next
 * activation (one timer, no polling) and creates the Job named for the scheduled minute;
 * Forbid skips while a Job runs, Replace deletes it; history limits trim finished Jobs;
 * suspend stops creation; startingDeadlineSeconds skips stale starts; spec.timeZone
 * moves the activations. No Job controller runs: the test writes Job status itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import { Client, InformerFactory, RESOURCE_TYPES, isNotFound } from '../../src/client/index.js';
import { startCronJobController } from '../../src/controllers/cronjob/cronjob-controller.js';
import { FakeClock } from '../../src/util/clock-fake.js';
import { silentLogger } from '../../src/util/logger.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

const NS = 'default';
const MINUTE = 60_000;
const CONTROLLER_MANAGER = 'system:kube-controller-manager';
let cluster: InProcessCluster;
let client: Client;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-cronjob', user: 'test-admin', users: [CONTROLLER_MANAGER] });
  client = cluster.client;
});

after(async () => {
  await cluster?.stop();
});

interface Running {
  clock: FakeClock;
  stop(): Promise<void>;
}

/** The controller alone, on its own informers, with time starting at `startMs` (default now) and moved by the test. */
async function startController(options: { startMs?: number; workers?: number } = {}): Promise<Running> {
  const clock = new FakeClock(options.startMs ?? Date.now());
  const controllerClient = new Client(cluster.transport(CONTROLLER_MANAGER), { fieldManager: 'kube-controller-manager' });
  const informers = new InformerFactory(controllerClient, { logger: silentLogger });
  const controller = startCronJobController({ client: controllerClient, informers, logger: silentLogger, clock, localTimeZone: 'UTC', ...(options.workers ? { workers: options.workers } : {}) });
  informers.start();
  assert.equal(await controller.started, true);
  return {
    clock,
    async stop() {
      await controller.stop();
      await informers.stop();
    },
  };
}

/** Runs `body` with a controller, and removes the CronJobs it names afterwards so later controllers never see them. */
async function withController(names: string[], options: Parameters<typeof startController>[0], body: (r: Running) => Promise<void>): Promise<void> {
  const running = await startController(options);
  try {
    await body(running);
  } finally {
    await running.stop();
    for (const name of names) {
      try {
        await client.delete(RESOURCE_TYPES.cronjobs, name, { namespace: NS });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

function cronJob(name: string, spec: Partial<NonNullable<CronJob['spec']>> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NS },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: { labels: { cron: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } },
      },
      ...spec,
    },
  };
}

const createCronJob = (cj: CronJob) => client.create<CronJob>(RESOURCE_TYPES.cronjobs, cj);
const getCronJob = (name: string) => client.get<CronJob>(RESOURCE_TYPES.cronjobs, name, { namespace: NS });
const created = (cj: CronJob) => Date.parse(cj.metadata!.creationTimestamp!);
/** The first whole multiple of `periodMs` strictly after `ms` (a cron activation on a UTC boundary). */
const nextBoundary = (ms: number, periodMs: number) => (Math.floor(ms / periodMs) + 1) * periodMs;
const nameFor = (cronJobName: string, scheduledMs: number) => `${cronJobName}-${scheduledMs / MINUTE}`;

async function jobsOf(cronJobName: string): Promise<Job[]> {
  const all = (await client.list<Job>(RESOURCE_TYPES.jobs, { namespace: NS })).items;
  return all.filter((j) => j.metadata?.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === cronJobName && r.controller));
}
const jobNames = async (cronJobName: string) => (await jobsOf(cronJobName)).map((j) => j.metadata!.name!).sort();

async function eventsFor(name: string, reason: string): Promise<Event[]> {
  const events = (await client.list<Event>(RESOURCE_TYPES.events, { namespace: NS })).items;
  return events.filter((e) => e.involvedObject.kind === 'CronJob' && e.involvedObject.name === name && e.reason === reason);
}

/** Moves the controller's time to `targetMs`, firing its wake-ups on the way. */
async function advanceTo(clock: FakeClock, targetMs: number): Promise<void> {
  assert.ok(targetMs >= clock.now(), 'time only moves forward');
  await clock.advance(targetMs - clock.now());
}

/** Plays the Job controller: the Job finished at `finishedMs`. */
async function finishJob(name: string, condition: 'Complete' | 'Failed', startMs: number, finishedMs: number): Promise<void> {
  const t = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const status: Record<string, unknown> = {
    startTime: t(startMs),
    conditions: [{ type: condition, status: 'True', lastProbeTime: t(finishedMs), lastTransitionTime: t(finishedMs) }],
  };
  if (condition === 'Complete') {
    status['completionTime'] = t(finishedMs);
    status['succeeded'] = 1;
  } else status['failed'] = 1;
  await client.patch(RESOURCE_TYPES.jobs, name, 'merge', { status }, { namespace: NS, subresource: 'status' });
}

const exists = async (name: string) => {
  try {
    await client.get(RESOURCE_TYPES.jobs, name, { namespace: NS });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
};

describe('CronJob controller', () => {
  it('waits for the scheduled minute with one timer, then creates the Job named for it', async () => {
    await withController(['every-five'], {}, async ({ clock }) => {
      const cj = await createCronJob(cronJob('every-five', { schedule: '*/5 * * * *' }));
      const due = nextBoundary(created(cj), 5 * MINUTE);
      // The controller sleeps until just after the activation instead of polling.
      await waitFor('the wake-up timer', () => clock.nextTimerAt() === due + 100);
      assert.equal(clock.pendingTimers, 1);
      await advanceTo(clock, due - 1000);
      assert.deepEqual(await jobNames('every-five'), []);

      await advanceTo(clock, due + 1000);
      const name = nameFor('every-five', due);
      const job = await waitFor('the Job for the activation', async () => (await jobsOf('every-five')).find((j) => j.metadata?.name === name));
      assert.equal(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(due).toISOString().replace('.000Z', 'Z'));
      assert.equal(job.metadata?.labels?.['cron'], 'every-five');
      assert.deepEqual(job.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'every-five', uid: cj.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
      assert.deepEqual(job.spec?.template.spec?.containers.map((c) => c.image), ['busybox']);

      const status = await waitFor('status with the active Job', async () => {
        const s = (await getCronJob('every-five')).status;
        return s?.active?.length === 1 && s;
      });
      assert.equal(status.active![0]!.name, name);
      assert.equal(status.active![0]!.uid, job.metadata?.uid);
      assert.equal(status.active![0]!.kind, 'Job');
      assert.equal(status.lastScheduleTime, new Date(due).toISOString().replace('.000Z', 'Z'));
      await waitFor('the SuccessfulCreate event', async () => (await eventsFor('every-five', 'SuccessfulCreate')).some((e) => e.message === `Created job ${name}`));
      // And now it sleeps until the next activation, five minutes on.
      await waitFor('the next wake-up', () => clock.nextTimerAt() === due + 5 * MINUTE + 100);
      assert.deepEqual(await jobNames('every-five'), [name]);
    });
  });

  it('runs on the wall clock of spec.timeZone', async () => {
    await withController(['kathmandu'], {}, async ({ clock }) => {
      // Kathmandu is UTC+05:45: minute 45 there is minute 0 in UTC.
      const cj = await createCronJob(cronJob('kathmandu', { schedule: '45 * * * *', timeZone: 'Asia/Kathmandu' }));
      const due = nextBoundary(created(cj), 60 * MINUTE);
      await waitFor('the wake-up timer', () => clock.nextTimerAt() === due + 100);
      await advanceTo(clock, due + 1000);
      const job = await waitFor('the Job', async () => (await jobsOf('kathmandu'))[0]);
      assert.equal(job.metadata?.name, nameFor('kathmandu', due));
      const local = new Date(due + (5 * 60 + 45) * MINUTE).toISOString().replace('.000Z', '+05:45');
      assert.equal(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], local);
    });
  });

  it('Forbid skips an activation while a Job runs, and starts it late once the Job finished', async () => {
    await withController(['forbid'], {}, async ({ clock }) => {
      const cj = await createCronJob(cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
      const m1 = nextBoundary(created(cj), MINUTE);
      await advanceTo(clock, m1 + 1000);
      await waitFor('the first Job', async () => (await getCronJob('forbid')).status?.active?.length === 1);
      assert.deepEqual(await jobNames('forbid'), [nameFor('forbid', m1)]);

      const m2 = m1 + MINUTE;
      await advanceTo(clock, m2 + 1000);
      await waitFor('the JobAlreadyActive event', async () => (await eventsFor('forbid', 'JobAlreadyActive')).length > 0);
      assert.deepEqual(await jobNames('forbid'), [nameFor('forbid', m1)]);

      await finishJob(nameFor('forbid', m1), 'Complete', m1, m1 + 30_000);
      await waitFor('the skipped activation started', async () => (await jobNames('forbid')).includes(nameFor('forbid', m2)));
      const status = await waitFor('status', async () => {
        const s = (await getCronJob('forbid')).status;
        return s?.active?.length === 1 && s.active[0]!.name === nameFor('forbid', m2) && s;
      });
      assert.equal(status.lastSuccessfulTime, new Date(m1 + 30_000).toISOString().replace('.000Z', 'Z'));
      await waitFor('the SawCompletedJob event', async () =>
        (await eventsFor('forbid', 'SawCompletedJob')).some((e) => e.message === `Saw completed job: ${nameFor('forbid', m1)}, condition: Complete`),
      );
    });
  });

  it('Replace deletes the running Job and starts the new one', async () => {
    await withController(['replace'], {}, async ({ clock }) => {
      const cj = await createCronJob(cronJob('replace', { concurrencyPolicy: 'Replace' }));
      const m1 = nextBoundary(created(cj), MINUTE);
      await advanceTo(clock, m1 + 1000);
      await waitFor('the first Job', async () => (await getCronJob('replace')).status?.active?.length === 1);

      const m2 = m1 + MINUTE;
      await advanceTo(clock, m2 + 1000);
      await waitFor('the second Job', async () => exists(nameFor('replace', m2)));
      await waitFor('the first Job deleted', async () => !(await exists(nameFor('replace', m1))));
      await waitFor('status with only the new Job', async () => {
        const active = (await getCronJob('replace')).status?.active ?? [];
        return active.length === 1 && active[0]!.name === nameFor('replace', m2);
      });
      await waitFor('the SuccessfulDelete event', async () => (await eventsFor('replace', 'SuccessfulDelete')).some((e) => e.message === `Deleted job ${nameFor('replace', m1)}`));
    });
  });

  it('Allow runs Jobs side by side; history limits keep the newest finished ones', async () => {
    await withController(['history'], {}, async ({ clock }) => {
      const cj = await createCronJob(cronJob('history', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }));
      const first = nextBoundary(created(cj), MINUTE);
      const minutes = [0, 1, 2, 3, 4].map((i) => first + i * MINUTE);
      // Two run at once under Allow before any finishes.
      await advanceTo(clock, minutes[0]! + 1000);
      await waitFor('Job 1', async () => exists(nameFor('history', minutes[0]!)));
      await advanceTo(clock, minutes[1]! + 1000);
      await waitFor('Job 2 beside Job 1', async () => (await getCronJob('history')).status?.active?.length === 2);
      for (const [i, m] of minutes.entries()) {
        if (i >= 2) {
          await advanceTo(clock, m + 1000);
          await waitFor(`Job ${i + 1}`, async () => exists(nameFor('history', m)));
        }
      }
      for (const [i, m] of minutes.entries()) await finishJob(nameFor('history', m), i < 3 ? 'Complete' : 'Failed', m, m + 10_000);
      const kept = [nameFor('history', minutes[1]!), nameFor('history', minutes[2]!), nameFor('history', minutes[4]!)].sort();
      await waitFor('the trimmed history', async () => JSON.stringify(await jobNames('history')) === JSON.stringify(kept));
      const status = await waitFor('no active Jobs', async () => {
        const s = (await getCronJob('history')).status;
        return s?.active?.length === 0 && !!s.lastSuccessfulTime && s;
      });
      assert.equal(status.lastSuccessfulTime, new Date(minutes[2]! + 10_000).toISOString().replace('.000Z', 'Z'));
    });
  });

  it('suspend stops creation; resuming starts only the most recent missed activation', async () => {
    // One worker takes keys in order, so a later CronJob's Job proves the earlier one was synced.
    await withController(['paused', 'witness'], { workers: 1 }, async ({ clock }) => {
      const cj = await createCronJob(cronJob('paused', { suspend: true }));
      const m1 = nextBoundary(created(cj), MINUTE);
      await advanceTo(clock, m1 + 2 * MINUTE + 1000);
      await client.patch(RESOURCE_TYPES.cronjobs, 'paused', 'merge', { metadata: { labels: { touched: 'yes' } } }, { namespace: NS });
      await createCronJob(cronJob('witness'));
      await waitFor('the witness Job', async () => (await jobNames('witness')).length === 1);
      assert.deepEqual(await jobNames('paused'), []);
      assert.equal((await getCronJob('paused')).status?.lastScheduleTime, undefined);

      await client.patch(RESOURCE_TYPES.cronjobs, 'paused', 'merge', { spec: { suspend: false } }, { namespace: NS });
      await waitFor('the Job after resuming', async () => (await jobNames('paused')).length === 1);
      assert.deepEqual(await jobNames('paused'), [nameFor('paused', m1 + 2 * MINUTE)]);
    });
  });

  it('startingDeadlineSeconds skips a start that is too late, and makes one within it', async () => {
    const cj = await createCronJob(cronJob('deadline', { startingDeadlineSeconds: 10 }));
    const m1 = nextBoundary(created(cj), MINUTE);
    // The controller comes up 30 s after the activation: too late for a 10 s deadline.
    await withController(['deadline'], { startMs: m1 + 30_000 }, async ({ clock }) => {
      await waitFor('the wake-up for the next activation', () => clock.nextTimerAt() === m1 + MINUTE + 100);
      assert.deepEqual(await jobNames('deadline'), []);
      await advanceTo(clock, m1 + MINUTE + 5_000);
      await waitFor('the Job within the deadline', async () => (await jobNames('deadline')).length === 1);
      assert.deepEqual(await jobNames('deadline'), [nameFor('deadline', m1 + MINUTE)]);
    });
  });
});

describe('CronJob validation in the API server', () => {
  const refused = async (cj: CronJob): Promise<string> => {
    try {
      await createCronJob(cj);
    } catch (err) {
      assert.equal((err as { code?: number }).code, 422, String(err));
      return (err as Error).message;
    }
    assert.fail(`${cj.metadata?.name} was accepted`);
  };

  it('refuses schedules, zones, names and Job selectors that upstream refuses', async () => {
    assert.match(await refused(cronJob('bad-range', { schedule: '61 * * * *' })), /spec\.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    assert.match(await refused(cronJob('tz-in-schedule', { schedule: 'TZ=UTC * * * * *' })), /cannot use TZ or CRON_TZ in schedule, use timeZone field instead/);
    assert.match(await refused(cronJob('bad-zone', { timeZone: 'Mars/Olympus' })), /spec\.timeZone: Invalid value: "Mars\/Olympus"/);
    assert.match(await refused(cronJob('x'.repeat(53))), /metadata\.name: Invalid value: "x{53}": must be no more than 52 characters/);
    const withSelector = cronJob('own-selector');
    withSelector.spec!.jobTemplate.spec!.selector = { matchLabels: { a: 'b' } };
    assert.match(await refused(withSelector), /spec\.jobTemplate\.spec\.selector: Invalid value: .*`selector` will be auto-generated/);
    // A valid one with a zone and a macro is accepted.
    const ok = await createCronJob(cronJob('fine-macro', { schedule: '@hourly', timeZone: 'Europe/Paris' }));
    assert.equal(ok.spec?.schedule, '@hourly');
    await client.delete(RESOURCE_TYPES.cronjobs, 'fine-macro', { namespace: NS });
  });
});
