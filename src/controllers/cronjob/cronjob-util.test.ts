import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import {
  CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  formatRfc1123z,
  formatRfc3339In,
  jobFromTemplate,
  jobName,
  jobReference,
  jobsBeyondHistoryLimits,
  withoutActive,
} from './cronjob-util.js';
import { parseGoDuration } from '../../api/cron/go-duration.js';
import { loadTimeZone, UTC_ZONE, zonedInstant } from '../../api/cron/time-zone.js';

const at = (iso: string) => Date.parse(iso);

const cronJob = (spec: Partial<NonNullable<CronJob['spec']>> = {}): CronJob => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'backup', namespace: 'ops', uid: 'cj-uid' },
  spec: {
    schedule: '*/5 * * * *',
    jobTemplate: {
      metadata: { labels: { app: 'backup' }, annotations: { team: 'ops' } },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    },
    ...spec,
  },
});

function finishedJob(name: string, condition: 'Complete' | 'Failed' | undefined, startTime?: string): Job {
  const job: Job = { metadata: { name, namespace: 'ops', uid: `${name}-uid` }, status: {} };
  if (startTime) job.status!.startTime = startTime;
  if (condition) job.status!.conditions = [{ type: condition, status: 'True' }];
  return job;
}

describe('jobName', () => {
  it('is the CronJob name and the scheduled minute since the epoch', () => {
    assert.equal(jobName('backup', at('2026-01-01T00:05:00Z')), `backup-${Math.floor(at('2026-01-01T00:05:00Z') / 60_000)}`);
    // 2021-05-12T10:10:00Z is 1620814200 s after the epoch.
    assert.equal(jobName('hello', at('2021-05-12T10:10:00Z')), 'hello-27013570');
  });
});

describe('time formats', () => {
  it('RFC 3339 in the zone, Z for a zero offset', () => {
    const t = at('2026-01-10T08:00:00Z');
    assert.equal(formatRfc3339In(UTC_ZONE, t), '2026-01-10T08:00:00Z');
    assert.equal(formatRfc3339In(loadTimeZone('Europe/Paris'), t), '2026-01-10T09:00:00+01:00');
    assert.equal(formatRfc3339In(loadTimeZone('Europe/Paris'), at('2026-07-10T07:00:00Z')), '2026-07-10T09:00:00+02:00');
    assert.equal(formatRfc3339In(loadTimeZone('America/New_York'), t), '2026-01-10T03:00:00-05:00');
    assert.equal(formatRfc3339In(loadTimeZone('Asia/Kathmandu'), t), '2026-01-10T13:45:00+05:45');
    assert.equal(formatRfc3339In(loadTimeZone('Europe/London'), t), '2026-01-10T08:00:00Z');
  });

  it('RFC 1123 with numeric zone, in UTC', () => {
    assert.equal(formatRfc1123z(at('2026-01-02T03:04:05Z')), 'Fri, 02 Jan 2026 03:04:05 +0000');
  });

  it('wall clock to instant: skipped times take the later offset, repeated ones the earlier', () => {
    const ny = loadTimeZone('America/New_York');
    assert.equal(new Date(zonedInstant(ny, 2026, 3, 8, 2, 30)).toISOString(), '2026-03-08T06:30:00.000Z');
    assert.equal(new Date(zonedInstant(ny, 2026, 11, 1, 1, 30)).toISOString(), '2026-11-01T05:30:00.000Z');
    assert.equal(new Date(zonedInstant(ny, 2026, 13, 1)).toISOString(), '2027-01-01T05:00:00.000Z');
  });
});

describe('jobFromTemplate', () => {
  it('copies the template and names, annotates and owns the Job', () => {
    const cj = cronJob({ timeZone: 'Europe/Paris' });
    const scheduled = at('2026-01-10T08:00:00Z');
    const job = jobFromTemplate(cj, scheduled, loadTimeZone('Europe/Paris'));
    assert.equal(job.metadata?.name, jobName('backup', scheduled));
    assert.equal(job.metadata?.namespace, 'ops');
    assert.deepEqual(job.metadata?.labels, { app: 'backup' });
    assert.deepEqual(job.metadata?.annotations, { team: 'ops', [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: '2026-01-10T09:00:00+01:00' });
    assert.deepEqual(job.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(job.spec, cj.spec?.jobTemplate.spec);
    assert.notEqual(job.spec, cj.spec?.jobTemplate.spec);
  });
});

describe('active list', () => {
  it('references a Job and drops it by uid', () => {
    const job: Job = { metadata: { name: 'backup-1', namespace: 'ops', uid: 'u1', resourceVersion: '7' } };
    const ref = jobReference(job);
    assert.deepEqual(ref, { kind: 'Job', apiVersion: 'batch/v1', namespace: 'ops', name: 'backup-1', uid: 'u1', resourceVersion: '7' });
    const cj = cronJob();
    cj.status = { active: [ref, { ...ref, name: 'backup-2', uid: 'u2' }] };
    withoutActive(cj, 'u1');
    assert.deepEqual(cj.status.active?.map((r) => r.uid), ['u2']);
  });
});

describe('jobsBeyondHistoryLimits', () => {
  const jobs = [
    finishedJob('s3', 'Complete', '2026-01-01T00:03:00Z'),
    finishedJob('s1', 'Complete', '2026-01-01T00:01:00Z'),
    finishedJob('s-unstarted', 'Complete'),
    finishedJob('s2', 'Complete', '2026-01-01T00:02:00Z'),
    finishedJob('f1', 'Failed', '2026-01-01T00:01:00Z'),
    finishedJob('f2', 'Failed', '2026-01-01T00:02:00Z'),
    finishedJob('running', undefined, '2026-01-01T00:00:00Z'),
  ];
  const names = (list: Job[]) => list.map((j) => j.metadata?.name);

  it('keeps the newest of each kind, oldest by start time go first, never-started count as newest', () => {
    assert.deepEqual(names(jobsBeyondHistoryLimits(cronJob({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }), jobs)), ['s1', 's2', 'f1']);
    assert.deepEqual(names(jobsBeyondHistoryLimits(cronJob({ successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 }), jobs)), ['s1', 's2', 's3', 's-unstarted', 'f1', 'f2']);
  });

  it('an unset limit keeps every Job of its kind; running Jobs are never trimmed', () => {
    assert.deepEqual(names(jobsBeyondHistoryLimits(cronJob({ failedJobsHistoryLimit: 1 }), jobs)), ['f1']);
    assert.deepEqual(names(jobsBeyondHistoryLimits(cronJob({}), jobs)), []);
  });
});

describe('parseGoDuration', () => {
  it('parses Go durations to milliseconds', () => {
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('-2m'), -120_000);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('300ms'), 300);
    assert.equal(parseGoDuration('2us'), 0);
  });
  it('refuses what Go refuses', () => {
    assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
    assert.throws(() => parseGoDuration('h'), { message: 'time: invalid duration "h"' });
    assert.throws(() => parseGoDuration('5'), { message: 'time: missing unit in duration "5"' });
    assert.throws(() => parseGoDuration('1d'), { message: 'time: unknown unit "d" in duration "1d"' });
  });
});
