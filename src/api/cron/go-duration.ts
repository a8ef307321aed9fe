/**
 * Go's time.ParseDuration ("1h30m", "90s", "1.5h", "-2m", "0"), for robfig/cron's
 * "@every <duration>" schedules, with Go's error wording. Returns milliseconds (Go keeps
 * nanoseconds; below a millisecond nothing in a cron schedule matters).
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export function parseGoDuration(text: string): number {
  const invalid = () => new Error(`time: invalid duration "${text}"`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let totalNs = 0;
  while (s !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole = '', frac] = [number[1], number[2]];
    if (whole === '' && (frac === undefined || frac === '')) throw invalid();
    s = s.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') throw new Error(`time: missing unit in duration "${text}"`);
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${text}"`);
    s = s.slice(unit.length);
    totalNs += Number(whole || '0') * scale + (frac ? Number(`0.${frac}`) * scale : 0);
    if (totalNs > 2 ** 63 - 1) throw invalid();
  }
  const ms = Math.trunc(totalNs / 1e6);
  return negative ? -ms : ms;
}
