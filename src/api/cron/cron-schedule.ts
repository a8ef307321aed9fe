/**
 * CronJob schedules as kube-controller-manager reads them (robfig/cron v3's
 * ParseStandard): five fields (minute hour day-of-month month day-of-week) with `*`/`?`,
 * ranges, steps, lists and month/day names; the @yearly @annually @monthly @weekly @daily
 * @midnight @hourly macros and "@every <duration>"; an optional leading TZ=/CRON_TZ=
 * zone. Day-of-month and day-of-week combine as in Vixie cron: when both are restricted
 * a day matching either runs, when either is `*` both must match. Parse errors use
 * robfig's wording, which the API server shows in its validation messages.
 *
 * `next(t)` is the first activation strictly after `t` (to the second), walking the wall
 * clock of the schedule's zone as robfig does: a wall time a DST change skips does not
 * run that day, one it repeats runs at each occurrence. Undefined when nothing matches
 * within five years (e.g. "0 0 30 2 *").
 */
import { parseGoDuration } from './go-duration.js';
import { loadTimeZone, mod, wallClock, zonedInstant, type TimeZone } from './time-zone.js';

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DAYS_OF_MONTH: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DAYS_OF_WEEK: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** The values a field allows, and whether it was written as `*` or `?` (unrestricted). */
export interface FieldSet {
  readonly values: ReadonlySet<number>;
  readonly star: boolean;
}

export interface CronSchedule {
  /** Zone named in the schedule (TZ=/CRON_TZ=), else the one given to parse. */
  readonly zone: TimeZone;
  next(afterMs: number): number | undefined;
}

export class SpecSchedule implements CronSchedule {
  constructor(
    readonly minute: FieldSet,
    readonly hour: FieldSet,
    readonly dayOfMonth: FieldSet,
    readonly month: FieldSet,
    readonly dayOfWeek: FieldSet,
    readonly zone: TimeZone,
  ) {}

  /** Vixie cron's rule: restricted day-of-month and day-of-week OR together; otherwise AND. */
  private dayMatches(day: number, weekday: number): boolean {
    const dom = this.dayOfMonth.values.has(day);
    const dow = this.dayOfWeek.values.has(weekday);
    if (this.dayOfMonth.star || this.dayOfWeek.star) return dom && dow;
    return dom || dow;
  }

  next(afterMs: number): number | undefined {
    const zone = this.zone;
    // The earliest candidate is the next whole second.
    let t = afterMs - mod(afterMs, 1000) + 1000;
    let w = wallClock(zone, t);
    const at = (ms: number) => {
      t = ms;
      w = wallClock(zone, t);
    };
    // Once a field moved forward, the smaller fields restart from their lowest value.
    let added = false;
    const yearLimit = w.year + 5;

    wrap: for (;;) {
      if (w.year > yearLimit) return undefined;

      while (!this.month.values.has(w.month)) {
        if (!added) {
          added = true;
          at(zonedInstant(zone, w.year, w.month, 1));
        }
        at(zonedInstant(zone, w.year, w.month + 1, w.day, w.hour, w.minute, w.second));
        if (w.month === 1) continue wrap;
      }

      while (!this.dayMatches(w.day, w.weekday)) {
        if (!added) {
          added = true;
          at(zonedInstant(zone, w.year, w.month, w.day));
        }
        at(zonedInstant(zone, w.year, w.month, w.day + 1, w.hour, w.minute, w.second));
        // A DST change at midnight moves the hour off 0: step back onto the day's start.
        if (w.hour !== 0) at(t + (w.hour > 12 ? 24 - w.hour : -w.hour) * 3_600_000);
        if (w.day === 1) continue wrap;
      }

      while (!this.hour.values.has(w.hour)) {
        if (!added) {
          added = true;
          at(zonedInstant(zone, w.year, w.month, w.day, w.hour));
        }
        at(t + 3_600_000);
        if (w.hour === 0) continue wrap;
      }

      while (!this.minute.values.has(w.minute)) {
        if (!added) {
          added = true;
          at(t - mod(t, 60_000));
        }
        at(t + 60_000);
        if (w.minute === 0) continue wrap;
      }

      // Standard schedules always run at second 0.
      while (w.second !== 0) {
        if (!added) {
          added = true;
          at(t - mod(t, 1000));
        }
        // Straight to the next whole minute rather than second by second.
        at(t + (60 - w.second) * 1000);
        if (w.second === 0) continue wrap;
      }
      return t;
    }
  }
}

/** "@every <duration>": a fixed delay after the given time's whole second (at least 1 s). */
export class ConstantDelaySchedule implements CronSchedule {
  readonly delayMs: number;
  constructor(
    delayMs: number,
    readonly zone: TimeZone,
  ) {
    this.delayMs = delayMs < 1000 ? 1000 : delayMs - mod(delayMs, 1000);
  }

  next(afterMs: number): number {
    return afterMs - mod(afterMs, 1000) + this.delayMs;
  }
}

function fieldSet(from: number, to: number, step = 1, star = false): FieldSet {
  const values = new Set<number>();
  for (let v = from; v <= to; v += step) values.add(v);
  return { values, star };
}

const ALL = (b: Bounds): FieldSet => fieldSet(b.min, b.max, 1, true);
const ONLY = (v: number): FieldSet => fieldSet(v, v);

/** Go's strconv.Atoi as robfig uses it: optional sign, decimal digits, no negatives. */
function parseNumber(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${text}`);
  return n;
}

function parseNumberOrName(text: string, names: Record<string, number> | undefined): number {
  const named = names?.[text.toLowerCase()];
  return named ?? parseNumber(text);
}

/** One comma-separated part: `*`, `?`, `N`, `N-M`, each optionally `/step`. */
function parseRange(expr: string, bounds: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    start = parseNumberOrName(lowAndHigh[0]!, bounds.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseNumberOrName(lowAndHigh[1]!, bounds.names);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseNumber(rangeAndStep[1]!);
    // "N/step" means N through the maximum.
    if (single) end = bounds.max;
    // "*/2" restricts the field; "*/1" still counts as "*".
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) throw new Error(`too many slashes: ${expr}`);

  if (start < bounds.min) throw new Error(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new Error(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

function parseField(field: string, bounds: Bounds): FieldSet {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) {
    if (part === '') continue;
    if (parseRange(part, bounds, values)) star = true;
  }
  return { values, star };
}

function parseDescriptor(spec: string, zone: TimeZone): CronSchedule {
  const zeroTime = [ONLY(0), ONLY(0)] as const;
  switch (spec) {
    case '@yearly':
    case '@annually':
      return new SpecSchedule(...zeroTime, ONLY(1), ONLY(1), ALL(DAYS_OF_WEEK), zone);
    case '@monthly':
      return new SpecSchedule(...zeroTime, ONLY(1), ALL(MONTHS), ALL(DAYS_OF_WEEK), zone);
    case '@weekly':
      return new SpecSchedule(...zeroTime, ALL(DAYS_OF_MONTH), ALL(MONTHS), ONLY(0), zone);
    case '@daily':
    case '@midnight':
      return new SpecSchedule(...zeroTime, ALL(DAYS_OF_MONTH), ALL(MONTHS), ALL(DAYS_OF_WEEK), zone);
    case '@hourly':
      return new SpecSchedule(ONLY(0), ALL(HOURS), ALL(DAYS_OF_MONTH), ALL(MONTHS), ALL(DAYS_OF_WEEK), zone);
  }
  const every = '@every ';
  if (spec.startsWith(every)) {
    let delay: number;
    try {
      delay = parseGoDuration(spec.slice(every.length));
    } catch (err) {
      throw new Error(`failed to parse duration ${spec}: ${(err as Error).message}`);
    }
    return new ConstantDelaySchedule(delay, zone);
  }
  throw new Error(`unrecognized descriptor: ${spec}`);
}

/**
 * Parses a standard cron schedule; `defaultZone` is the zone it runs in unless it names
 * one with TZ=/CRON_TZ= (kube-controller-manager's local zone, or spec.timeZone). Throws
 * an Error whose message is robfig's.
 */
export function parseCronSchedule(input: string, defaultZone: TimeZone): CronSchedule {
  let spec = input;
  if (spec.length === 0) throw new Error('empty spec string');
  let zone = defaultZone;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const name = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
    try {
      zone = loadTimeZone(name);
    } catch (err) {
      throw new Error(`provided bad location ${name}: ${(err as Error).message}`);
    }
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, zone);
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return new SpecSchedule(
    parseField(minute, MINUTES),
    parseField(hour, HOURS),
    parseField(dom, DAYS_OF_MONTH),
    parseField(month, MONTHS),
    parseField(dow, DAYS_OF_WEEK),
    zone,
  );
}
