/**
 * The CronJob field checks upstream's API validation makes with the same cron parser
 * (pkg/apis/batch/validation): spec.schedule must parse and may not name a zone with
 * TZ=/CRON_TZ= (an existing object that already did may keep it, but not together with
 * spec.timeZone), spec.timeZone must be an explicit IANA name this process knows, and
 * startingDeadlineSeconds and the history limits may not be negative. Pure; written for
 * the API server's CronJob strategy to call once the parser lives where it may import it.
 */
import type { FieldError } from '../errors.js';
import { parseCronSchedule } from './cron-schedule.js';
import { loadTimeZone, UTC_ZONE } from './time-zone.js';

/** A path part of an IANA name (tolerating the digits and '+' of legacy names). */
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

export interface CronJobSpecFields {
  schedule?: string | undefined;
  timeZone?: string | null | undefined;
  startingDeadlineSeconds?: number | null | undefined;
  successfulJobsHistoryLimit?: number | null | undefined;
  failedJobsHistoryLimit?: number | null | undefined;
}

export function validateSchedule(schedule: string, timeZone: string | null | undefined, allowTimeZoneInSchedule: boolean, field = 'spec.schedule'): FieldError[] {
  const errors: FieldError[] = [];
  try {
    parseCronSchedule(schedule, UTC_ZONE);
  } catch (err) {
    errors.push({ type: 'FieldValueInvalid', field, value: schedule, detail: (err as Error).message });
  }
  if (schedule.includes('TZ')) {
    if (!allowTimeZoneInSchedule) errors.push({ type: 'FieldValueInvalid', field, value: schedule, detail: 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead' });
    else if (timeZone != null) errors.push({ type: 'FieldValueInvalid', field, value: schedule, detail: 'cannot use both timeZone field and TZ or CRON_TZ in schedule' });
  }
  return errors;
}

export function validateTimeZone(timeZone: string | null | undefined, field = 'spec.timeZone'): FieldError[] {
  if (timeZone == null) return [];
  const invalid = (detail: string): FieldError[] => [{ type: 'FieldValueInvalid', field, value: timeZone, detail }];
  if (timeZone === '') return invalid('timeZone must be nil or non-empty string');
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) return invalid(`unknown time zone ${timeZone}`);
  }
  const errors: FieldError[] = [];
  if (timeZone.toLowerCase() === 'local') errors.push(...invalid('timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else {
    try {
      loadTimeZone(timeZone);
    } catch (err) {
      errors.push(...invalid((err as Error).message));
    }
  }
  return errors;
}

/** On create: the Job names add 11 characters ("-" and the minute), and must stay within 63. */
export function validateCronJobName(name: string): FieldError[] {
  return name.length > 52 ? [{ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: 'must be no more than 52 characters' }] : [];
}

/**
 * The spec checks on create (`old` undefined) or update: a TZ= schedule is tolerated
 * only if the old one had it too, and the zone is rechecked only when it changed.
 */
export function validateCronJobSpecFields(spec: CronJobSpecFields, old?: CronJobSpecFields): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.schedule === undefined || spec.schedule === '') errors.push({ type: 'FieldValueRequired', field: 'spec.schedule', detail: '' });
  else errors.push(...validateSchedule(spec.schedule, spec.timeZone, old?.schedule?.includes('TZ') ?? false));
  if (old === undefined || old.timeZone !== spec.timeZone) errors.push(...validateTimeZone(spec.timeZone));
  const nonNegative: [keyof CronJobSpecFields, number | null | undefined][] = [
    ['startingDeadlineSeconds', spec.startingDeadlineSeconds],
    ['successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit],
    ['failedJobsHistoryLimit', spec.failedJobsHistoryLimit],
  ];
  for (const [name, value] of nonNegative) {
    if (value != null && value < 0) errors.push({ type: 'FieldValueInvalid', field: `spec.${name}`, value, detail: 'must be greater than or equal to 0' });
  }
  return errors;
}
