import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCronSchedule } from '../../api/cron/cron-schedule.js';
import { mostRecentScheduleTime, nextScheduleDelayMs, nextScheduleTime, NEXT_SCHEDULE_DELTA_MS } from './schedule-times.js';
import { UTC_ZONE } from '../../api/cron/time-zone.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const everyMinute = parseCronSchedule('* * * * *', UTC_ZONE);
const hourly = parseCronSchedule('0 * * * *', UTC_ZONE);
const created = at('2026-01-01T10:00:30Z');

describe('mostRecentScheduleTime', () => {
  it('nothing before the first activation after creation', () => {
    const r = mostRecentScheduleTime({ creationMs: created }, at('2026-01-01T10:00:59Z'), everyMinute, true);
    assert.deepEqual(r, { earliestMs: created, missed: 'none' });
  });

  it('the first activation once it passed', () => {
    const r = mostRecentScheduleTime({ creationMs: created }, at('2026-01-01T10:01:20Z'), everyMinute, true);
    assert.equal(iso(r.mostRecentMs), '2026-01-01T10:01:00.000Z');
    assert.equal(r.missed, 'none');
  });

  it('the latest of several missed, counted as few', () => {
    const r = mostRecentScheduleTime({ creationMs: created }, at('2026-01-01T10:07:20Z'), everyMinute, true);
    assert.equal(iso(r.mostRecentMs), '2026-01-01T10:07:00.000Z');
    assert.equal(r.missed, 'few');
  });

  it('counts from the last scheduled time rather than creation', () => {
    const r = mostRecentScheduleTime({ creationMs: created, lastScheduleMs: at('2026-01-01T12:00:00Z') }, at('2026-01-01T12:30:00Z'), hourly, true);
    assert.equal(r.mostRecentMs, undefined);
    const later = mostRecentScheduleTime({ creationMs: created, lastScheduleMs: at('2026-01-01T12:00:00Z') }, at('2026-01-01T13:00:00Z'), hourly, true);
    assert.equal(iso(later.mostRecentMs), '2026-01-01T13:00:00.000Z');
  });

  it('more than 100 missed is many, and still finds the latest', () => {
    const r = mostRecentScheduleTime({ creationMs: created }, at('2026-01-01T13:00:10Z'), everyMinute, true);
    assert.equal(iso(r.mostRecentMs), '2026-01-01T13:00:00.000Z');
    assert.equal(r.missed, 'many');
    const hundred = mostRecentScheduleTime({ creationMs: created }, at('2026-01-01T11:40:10Z'), everyMinute, true);
    assert.equal(hundred.missed, 'few');
    assert.equal(iso(hundred.mostRecentMs), '2026-01-01T11:40:00.000Z');
  });

  it('finds the latest of an irregular schedule after a long gap', () => {
    const irregular = parseCronSchedule('30 6-16/4 * * 1-5', UTC_ZONE);
    // Created on Monday 2026-01-05; checked the next Monday at noon: the last run was 10:30 that day.
    const r = mostRecentScheduleTime({ creationMs: at('2026-01-05T00:00:00Z') }, at('2026-01-12T12:00:00Z'), irregular, true);
    assert.equal(iso(r.mostRecentMs), '2026-01-12T10:30:00.000Z');
  });

  it('startingDeadlineSeconds leaves out activations older than the deadline', () => {
    const cj = { creationMs: created, startingDeadlineSeconds: 10 };
    assert.equal(mostRecentScheduleTime(cj, at('2026-01-01T10:05:30Z'), everyMinute, true).mostRecentMs, undefined);
    assert.equal(iso(mostRecentScheduleTime(cj, at('2026-01-01T10:05:30Z'), everyMinute, false).mostRecentMs), '2026-01-01T10:05:00.000Z');
    assert.equal(iso(mostRecentScheduleTime(cj, at('2026-01-01T10:06:09Z'), everyMinute, true).mostRecentMs), '2026-01-01T10:06:00.000Z');
    // A deadline also keeps "many missed" from being reported: only the window is scanned.
    assert.equal(mostRecentScheduleTime(cj, at('2026-01-02T10:06:05Z'), everyMinute, true).missed, 'none');
  });

  it('a schedule that never runs is an error', () => {
    const never = parseCronSchedule('0 0 30 2 *', UTC_ZONE);
    assert.equal(mostRecentScheduleTime({ creationMs: created }, at('2026-03-01T00:00:00Z'), never, true).error, 'time difference between two schedules is less than 1 second');
  });

  it('@every counts from creation', () => {
    const every = parseCronSchedule('@every 10m', UTC_ZONE);
    const r = mostRecentScheduleTime({ creationMs: created }, at('2026-01-01T10:35:00Z'), every, true);
    assert.equal(iso(r.mostRecentMs), '2026-01-01T10:30:30.000Z');
  });
});

describe('nextScheduleTime', () => {
  it('is the activation due now, and flags many missed', () => {
    assert.equal(nextScheduleTime({ creationMs: created }, at('2026-01-01T10:00:50Z'), everyMinute).scheduledMs, undefined);
    assert.equal(iso(nextScheduleTime({ creationMs: created }, at('2026-01-01T10:01:00Z'), everyMinute).scheduledMs), '2026-01-01T10:01:00.000Z');
    const late = nextScheduleTime({ creationMs: created }, at('2026-01-02T10:01:00Z'), everyMinute);
    assert.equal(late.tooManyMissed, true);
    assert.equal(iso(late.scheduledMs), '2026-01-02T10:01:00.000Z');
  });
});

describe('nextScheduleDelayMs', () => {
  it('wakes just after the next activation', () => {
    assert.equal(nextScheduleDelayMs({ creationMs: created }, at('2026-01-01T10:00:40Z'), everyMinute), 20_000 + NEXT_SCHEDULE_DELTA_MS);
    assert.equal(nextScheduleDelayMs({ creationMs: created, lastScheduleMs: at('2026-01-01T11:00:00Z') }, at('2026-01-01T11:00:00.050Z'), hourly), 3_600_000 - 50 + NEXT_SCHEDULE_DELTA_MS);
    // Missed runs: the next one after now.
    assert.equal(nextScheduleDelayMs({ creationMs: created }, at('2026-01-01T15:20:00Z'), hourly), 40 * 60_000 + NEXT_SCHEDULE_DELTA_MS);
  });

  it('never for a schedule that never runs', () => {
    assert.equal(nextScheduleDelayMs({ creationMs: created }, at('2026-01-01T15:20:00Z'), parseCronSchedule('0 0 30 2 *', UTC_ZONE)), undefined);
  });
});
