import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCronSchedule, type CronSchedule } from './cron-schedule.js';
import { loadTimeZone, UTC_ZONE, wallClock } from './time-zone.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const parse = (spec: string, zone = UTC_ZONE) => parseCronSchedule(spec, zone);

/** The first `n` activations after `from`, as ISO strings in UTC. */
function runs(schedule: CronSchedule, from: string, n: number): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = schedule.next(t);
    if (next === undefined) break;
    out.push(new Date(next).toISOString());
    t = next;
  }
  return out;
}

describe('parseCronSchedule: errors (robfig wording)', () => {
  const cases: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 * * * * *', 'expected exactly 5 fields, found 6: [0 * * * * *]'],
    ['61 * * * *', 'end of range (61) above maximum (59): 61'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * foo *', 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ['@often', 'unrecognized descriptor: @often'],
    ['@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['TZ=Mars/Olympus 0 * * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
  ];
  for (const [spec, message] of cases) {
    it(`refuses ${JSON.stringify(spec)}`, () => assert.throws(() => parse(spec), { message }));
  }
});

describe('parseCronSchedule: fields', () => {
  it('steps, ranges, lists and names', () => {
    assert.deepEqual(runs(parse('*/15 * * * *'), '2026-01-01T10:07:30Z', 3), ['2026-01-01T10:15:00.000Z', '2026-01-01T10:30:00.000Z', '2026-01-01T10:45:00.000Z']);
    assert.deepEqual(runs(parse('5,10-12 3 * * *'), '2026-01-01T00:00:00Z', 5), [
      '2026-01-01T03:05:00.000Z',
      '2026-01-01T03:10:00.000Z',
      '2026-01-01T03:11:00.000Z',
      '2026-01-01T03:12:00.000Z',
      '2026-01-02T03:05:00.000Z',
    ]);
    // 2026-01-02 is a Friday: mon-fri skips the weekend.
    assert.deepEqual(runs(parse('0 9 * * MON-fri'), '2026-01-02T10:00:00Z', 2), ['2026-01-05T09:00:00.000Z', '2026-01-06T09:00:00.000Z']);
    assert.deepEqual(runs(parse('0 0 1 jan,JUL *'), '2026-02-01T00:00:00Z', 2), ['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    // "N/step" runs from N to the maximum.
    assert.deepEqual(runs(parse('50/5 * * * *'), '2026-01-01T10:00:00Z', 3), ['2026-01-01T10:50:00.000Z', '2026-01-01T10:55:00.000Z', '2026-01-01T11:50:00.000Z']);
    // A step wider than the range keeps only its start: "*/61" is once an hour, not every 61 minutes.
    assert.deepEqual(runs(parse('*/61 * * * *'), '2026-01-01T10:00:00Z', 2), ['2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z']);
    assert.deepEqual(runs(parse('? ? ? ? ?'), '2026-01-01T10:00:59.999Z', 1), ['2026-01-01T10:01:00.000Z']);
  });

  it('next is strictly after the given time', () => {
    assert.equal(iso(parse('0 * * * *').next(at('2026-01-01T10:00:00Z'))), '2026-01-01T11:00:00.000Z');
    assert.equal(iso(parse('0 * * * *').next(at('2026-01-01T09:59:59.500Z'))), '2026-01-01T10:00:00.000Z');
  });

  it('February 29th waits for a leap year; a day that never exists never runs', () => {
    assert.equal(iso(parse('0 0 29 2 *').next(at('2026-03-01T00:00:00Z'))), '2028-02-29T00:00:00.000Z');
    assert.equal(parse('0 0 30 2 *').next(at('2026-01-01T00:00:00Z')), undefined);
    assert.equal(parse('0 0 31 4,6 *').next(at('2026-01-01T00:00:00Z')), undefined);
  });

  it('day-of-month and day-of-week OR together when both are restricted (Vixie cron)', () => {
    // 2026-02-13 is a Friday; the 13th OR any Friday.
    assert.deepEqual(runs(parse('0 0 13 * 5'), '2026-02-01T00:00:00Z', 4), [
      '2026-02-06T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
      '2026-02-20T00:00:00.000Z',
      '2026-02-27T00:00:00.000Z',
    ]);
    assert.deepEqual(runs(parse('0 0 13 * 5'), '2026-03-01T00:00:00Z', 3), ['2026-03-06T00:00:00.000Z', '2026-03-13T00:00:00.000Z', '2026-03-20T00:00:00.000Z']);
    // 2026-03-13 is also a Friday, so check a month where the 13th is not: April 13th is a Monday.
    assert.deepEqual(runs(parse('0 0 13 * 5'), '2026-04-08T00:00:00Z', 3), ['2026-04-10T00:00:00.000Z', '2026-04-13T00:00:00.000Z', '2026-04-17T00:00:00.000Z']);
  });

  it('day-of-month and day-of-week AND together when either is *', () => {
    assert.deepEqual(runs(parse('0 0 * * 5'), '2026-04-08T00:00:00Z', 2), ['2026-04-10T00:00:00.000Z', '2026-04-17T00:00:00.000Z']);
    assert.deepEqual(runs(parse('0 0 13 * *'), '2026-04-08T00:00:00Z', 2), ['2026-04-13T00:00:00.000Z', '2026-05-13T00:00:00.000Z']);
    // "*/1" still counts as "*"; "*/2" restricts the field, so OR applies: odd days or Mondays.
    assert.deepEqual(runs(parse('0 0 13 * */1'), '2026-04-08T00:00:00Z', 1), ['2026-04-13T00:00:00.000Z']);
    assert.deepEqual(runs(parse('0 0 */2 * 1'), '2026-04-01T00:00:00Z', 4), [
      '2026-04-03T00:00:00.000Z',
      '2026-04-05T00:00:00.000Z',
      '2026-04-06T00:00:00.000Z',
      '2026-04-07T00:00:00.000Z',
    ]);
  });

  it('macros', () => {
    const from = '2026-04-08T10:30:00Z'; // a Wednesday
    assert.deepEqual(runs(parse('@hourly'), from, 1), ['2026-04-08T11:00:00.000Z']);
    assert.deepEqual(runs(parse('@daily'), from, 1), ['2026-04-09T00:00:00.000Z']);
    assert.deepEqual(runs(parse('@midnight'), from, 1), ['2026-04-09T00:00:00.000Z']);
    assert.deepEqual(runs(parse('@weekly'), from, 2), ['2026-04-12T00:00:00.000Z', '2026-04-19T00:00:00.000Z']);
    assert.deepEqual(runs(parse('@monthly'), from, 2), ['2026-05-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z']);
    assert.deepEqual(runs(parse('@yearly'), from, 1), ['2027-01-01T00:00:00.000Z']);
    assert.deepEqual(runs(parse('@annually'), from, 1), ['2027-01-01T00:00:00.000Z']);
  });

  it('@every: a fixed delay from the whole second, at least one second', () => {
    assert.deepEqual(runs(parse('@every 1h30m'), '2026-04-08T10:30:00.700Z', 2), ['2026-04-08T12:00:00.000Z', '2026-04-08T13:30:00.000Z']);
    assert.deepEqual(runs(parse('@every 500ms'), '2026-04-08T10:30:00Z', 1), ['2026-04-08T10:30:01.000Z']);
    assert.deepEqual(runs(parse('@every 1.5s'), '2026-04-08T10:30:00Z', 1), ['2026-04-08T10:30:01.000Z']);
  });
});

describe('parseCronSchedule: time zones', () => {
  const paris = loadTimeZone('Europe/Paris');
  const newYork = loadTimeZone('America/New_York');

  it('runs on the wall clock of the zone, following its DST offset', () => {
    assert.deepEqual(runs(parse('0 9 * * *', paris), '2026-01-10T00:00:00Z', 1), ['2026-01-10T08:00:00.000Z']);
    assert.deepEqual(runs(parse('0 9 * * *', paris), '2026-07-10T00:00:00Z', 1), ['2026-07-10T07:00:00.000Z']);
    // Paris moves to CEST on 2026-03-29: 09:00 is 08:00Z before and 07:00Z after.
    assert.deepEqual(runs(parse('0 9 * * *', paris), '2026-03-28T00:00:00Z', 2), ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z']);
  });

  it('a TZ= or CRON_TZ= prefix names the zone', () => {
    assert.deepEqual(runs(parse('TZ=Europe/Paris 0 9 * * *'), '2026-01-10T00:00:00Z', 1), ['2026-01-10T08:00:00.000Z']);
    assert.deepEqual(runs(parse('CRON_TZ=America/New_York @daily'), '2026-01-10T12:00:00Z', 1), ['2026-01-11T05:00:00.000Z']);
  });

  it('a wall time skipped by spring-forward does not run that day', () => {
    // New York: 2026-03-08 02:00 EST becomes 03:00 EDT.
    assert.deepEqual(runs(parse('30 2 * * *', newYork), '2026-03-07T00:00:00Z', 2), ['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    assert.deepEqual(runs(parse('0 * * * *', newYork), '2026-03-08T05:30:00Z', 3), ['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']);
    assert.deepEqual(
      runs(parse('0 * * * *', newYork), '2026-03-08T05:30:00Z', 2).map((t) => wallClock(newYork, at(t)).hour),
      [1, 3],
    );
  });

  it('a wall time repeated by fall-back runs at each occurrence', () => {
    // New York: 2026-11-01 02:00 EDT becomes 01:00 EST; 01:30 happens at 05:30Z and 06:30Z.
    assert.deepEqual(runs(parse('30 1 * * *', newYork), '2026-11-01T04:00:00Z', 3), ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    assert.deepEqual(runs(parse('0 * * * *', newYork), '2026-11-01T04:30:00Z', 3), ['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z']);
  });

  it('every activation over a year lands on a matching wall time, strictly increasing, in several zones', () => {
    const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata'];
    for (const name of zones) {
      const zone = loadTimeZone(name);
      for (const spec of ['0 0 * * *', '30 2 * * 0', '15 */5 1,15 * *', '0 0 * * 1-5']) {
        const schedule = parse(spec, zone);
        let t = at('2026-01-01T00:00:00Z');
        for (let i = 0; i < 60; i++) {
          const next = schedule.next(t);
          assert.ok(next !== undefined && next > t, `${name} ${spec}: ${iso(next)} after ${iso(t)}`);
          const w = wallClock(zone, next);
          const [minute, hour] = spec.split(' ');
          assert.equal(w.minute, Number(minute), `${name} ${spec} ${iso(next)}`);
          if (hour === '0' || hour === '2') assert.equal(w.hour, Number(hour), `${name} ${spec} ${iso(next)}`);
          t = next;
        }
      }
    }
  });
});
