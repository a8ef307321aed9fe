/**
 * Go's time.Duration text form, which metav1.Duration uses in JSON: formatting as
 * Duration.String does ("1h0m0s", "1.5s", "250ms", "0s") and parsing as
 * time.ParseDuration does. Values are int64 nanoseconds held as bigint.
 */

const NS = { ns: 1n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n } as const;
const MAX_INT64 = (1n << 63n) - 1n;

/** `whole.frac` with `digits` fractional digits, trailing zeros (and a bare dot) removed. */
function withFraction(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = v / scale;
  const frac = v % scale;
  if (frac === 0n) return whole.toString();
  return `${whole}.${frac.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < NS.s) {
    if (u < NS.us) return `${sign}${u}ns`;
    if (u < NS.ms) return `${sign}${withFraction(u, 3)}µs`;
    return `${sign}${withFraction(u, 6)}ms`;
  }
  let out = `${withFraction(u % NS.m, 9)}s`;
  const minutes = u / NS.m;
  if (minutes > 0n) {
    out = `${minutes % 60n}m${out}`;
    const hours = minutes / 60n;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return sign + out;
}

/** time.ParseDuration: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or "0". Throws Error with Go's wording. */
export function parseGoDuration(text: string): bigint {
  const fail = (): never => {
    throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
  };
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') fail();
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (s !== '') {
    const m = part.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) fail();
    const unit = NS[m![3] as keyof typeof NS];
    if (unit === undefined) throw new Error(`time: unknown unit ${JSON.stringify(m![3])} in duration ${JSON.stringify(text)}`);
    const whole = BigInt(m![1] || '0');
    const fracDigits = m![2] ?? '';
    let v = whole * unit;
    if (fracDigits !== '') v += (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    total += v;
    if (total > MAX_INT64 + (neg ? 1n : 0n)) fail();
    s = s.slice(m![0].length);
  }
  return neg ? -total : total;
}
