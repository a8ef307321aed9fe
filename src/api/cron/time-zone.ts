/**
 * Wall-clock arithmetic in an IANA time zone, built on Node's Intl (its ICU time zone
 * data): the UTC offset in force at an instant, the wall-clock fields of an instant, and
 * the instant of given wall-clock fields with Go's time.Date rules for a time that a
 * DST change skips (it resolves with the offset in force after the change) or repeats
 * (the first, daylight-saving, occurrence). The cron schedule needs exactly these to
 * behave as robfig/cron does under kube-controller-manager.
 */

export interface TimeZone {
  /** The name as given ("UTC", "Europe/Paris"). */
  readonly name: string;
  /** Milliseconds to add to a UTC instant to get its wall clock in this zone. */
  offsetMs(utcMs: number): number;
}

export interface WallClock {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday, as Go's time.Weekday. */
  weekday: number;
}

export const UTC_ZONE: TimeZone = { name: 'UTC', offsetMs: () => 0 };

const zones = new Map<string, TimeZone>();
const SLICE_MS = 15 * 60_000;
const MAX_SLICES = 50_000;

/**
 * The zone of an IANA name; "" and "UTC" are UTC, as Go's time.LoadLocation. Throws
 * `unknown time zone NAME` (Go's wording) for a name ICU does not know.
 */
export function loadTimeZone(name: string): TimeZone {
  if (name === '' || name === 'UTC') return UTC_ZONE;
  const cached = zones.get(name);
  if (cached) return cached;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    throw new Error(`unknown time zone ${name}`);
  }
  const exact = (utcMs: number): number => {
    const whole = utcMs - mod(utcMs, 1000);
    const f: Record<string, number> = {};
    let bc = false;
    for (const part of format.formatToParts(whole)) {
      if (part.type === 'era') bc = part.value.startsWith('B');
      else if (part.type !== 'literal') f[part.type] = Number(part.value);
    }
    const year = bc ? 1 - f['year']! : f['year']!;
    return utcFields(year, f['month']!, f['day']!, f['hour']!, f['minute']!, f['second']!) - whole;
  };
  // Intl is slow (microseconds a call) and a schedule walks minute by minute: remember the
  // offset of each 15-minute slice whose two ends agree (no change inside it).
  const slices = new Map<number, number>();
  const zone: TimeZone = {
    name,
    offsetMs(utcMs) {
      const slice = Math.floor(utcMs / SLICE_MS);
      const known = slices.get(slice);
      if (known !== undefined) return known;
      const first = exact(slice * SLICE_MS);
      if (first !== exact(slice * SLICE_MS + SLICE_MS - 1)) return exact(utcMs);
      if (slices.size >= MAX_SLICES) slices.clear();
      slices.set(slice, first);
      return first;
    },
  };
  zones.set(name, zone);
  return zone;
}

/** Whether `name` is a zone this process can compute with. */
export function isKnownTimeZone(name: string): boolean {
  try {
    loadTimeZone(name);
    return true;
  } catch {
    return false;
  }
}

/** The time zone this process runs in (what Go calls time.Local). */
export function localTimeZone(): TimeZone {
  return loadTimeZone(Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC');
}

/** Wall-clock fields of `utcMs` in `zone`. */
export function wallClock(zone: TimeZone, utcMs: number): WallClock {
  const d = new Date(utcMs + zone.offsetMs(utcMs));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

/**
 * The instant of the given wall clock in `zone`, fields normalised as Go's time.Date
 * (month 13 is January next year, day 31 of a 30-day month is the 1st of the next).
 * A skipped wall time gets the offset in force after the change; a repeated one the
 * offset before it.
 */
export function zonedInstant(zone: TimeZone, year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const local = utcFields(year, month, day, hour, minute, second) + ms;
  const guess = zone.offsetMs(local);
  const offset = zone.offsetMs(local - guess);
  return local - offset;
}

/** Date.UTC without its 0–99 → 1900s year mapping. */
function utcFields(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

export function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}
