import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCronJobName, validateCronJobSpecFields, validateTimeZone } from './cronjob-validation.js';

const details = (errors: { field: string; detail: string }[]) => errors.map((e) => `${e.field}: ${e.detail}`);

describe('CronJob validation', () => {
  it('accepts standard schedules, macros and zones', () => {
    for (const schedule of ['*/5 * * * *', '0 9 * * mon-fri', '@hourly', '@every 90m', '0 0 1 jan,jul ?']) {
      assert.deepEqual(validateCronJobSpecFields({ schedule }), [], schedule);
    }
    assert.deepEqual(validateCronJobSpecFields({ schedule: '0 3 * * *', timeZone: 'Europe/Paris' }), []);
  });

  it('refuses bad schedules with robfig messages', () => {
    assert.deepEqual(details(validateCronJobSpecFields({ schedule: '61 * * * *' })), ['spec.schedule: end of range (61) above maximum (59): 61']);
    assert.deepEqual(details(validateCronJobSpecFields({ schedule: '' })), ['spec.schedule: ']);
    assert.equal(validateCronJobSpecFields({ schedule: '' })[0]!.type, 'FieldValueRequired');
  });

  it('refuses TZ in a new schedule; tolerates it on update only if it was there and no timeZone is set', () => {
    // The zone prefix itself parses (robfig strips it), so the only complaint is its presence.
    assert.deepEqual(details(validateCronJobSpecFields({ schedule: 'CRON_TZ=UTC * * * * *' })), ['spec.schedule: cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
    assert.deepEqual(details(validateCronJobSpecFields({ schedule: 'TZ=Nowhere/Land * * * * *' })), [
      'spec.schedule: provided bad location Nowhere/Land: unknown time zone Nowhere/Land',
      'spec.schedule: cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
    const old = { schedule: 'TZ=UTC 0 * * * *' };
    assert.deepEqual(validateCronJobSpecFields({ schedule: 'TZ=UTC 0 * * * *' }, old), []);
    assert.deepEqual(details(validateCronJobSpecFields({ schedule: 'TZ=UTC 0 * * * *', timeZone: 'UTC' }, old)), ['spec.schedule: cannot use both timeZone field and TZ or CRON_TZ in schedule']);
    assert.deepEqual(details(validateCronJobSpecFields({ schedule: 'TZ=UTC 0 * * * *' }, { schedule: '0 * * * *' })), ['spec.schedule: cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
  });

  it('time zones: explicit IANA names only', () => {
    assert.deepEqual(details(validateTimeZone('Europe/Pariss')), ['spec.timeZone: unknown time zone Europe/Pariss']);
    assert.deepEqual(details(validateTimeZone('')), ['spec.timeZone: timeZone must be nil or non-empty string']);
    assert.deepEqual(details(validateTimeZone('Local')), ['spec.timeZone: timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']);
    assert.deepEqual(details(validateTimeZone('../etc/passwd')), ['spec.timeZone: unknown time zone ../etc/passwd']);
    assert.deepEqual(validateTimeZone('America/Argentina/Buenos_Aires'), []);
    assert.deepEqual(validateTimeZone(undefined), []);
  });

  it('negative deadlines and limits, long names', () => {
    assert.deepEqual(details(validateCronJobSpecFields({ schedule: '@daily', startingDeadlineSeconds: -1, failedJobsHistoryLimit: -2, successfulJobsHistoryLimit: 0 })), [
      'spec.startingDeadlineSeconds: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: must be greater than or equal to 0',
    ]);
    assert.deepEqual(validateCronJobName('x'.repeat(52)), []);
    assert.equal(validateCronJobName('x'.repeat(53)).length, 1);
  });
});
