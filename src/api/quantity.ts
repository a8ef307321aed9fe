/**
 * resource.Quantity (k8s.io/apimachinery/pkg/api/resource): parsing `100m`, `1.5Gi`, `1e3`,
 * `500Mi`, `2`; comparing; converting to milli-units; and the canonical string upstream
 * writes back (`1000m` → `1`, `1024Mi` → `1Gi`, `0.5` → `500m`, `1.5Gi` → `1536Mi`).
 * Values are exact: an unscaled bigint times a power of ten, never a float. Upstream's
 * parse quirks are kept because they are visible on the wire: values are rounded away from
 * zero to nano precision, binary-SI values are capped at 2^63-1, and an input that is
 * already canonical is echoed back verbatim. Pure functions; no I/O.
 */
import { badRequest } from './errors.js';

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The value is unscaled × 10^scale. */
  readonly unscaled: bigint;
  readonly scale: number;
  /** The suffix family the quantity was written in, reused when it is formatted. */
  readonly format: QuantityFormat;
  /** The input text, kept when upstream would serialise the parsed value unchanged. */
  readonly text?: string;
}

// Upstream's three parse errors; clients see them inside "… cannot be handled as a Pod: …".
export const ERR_QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ERR_QUANTITY_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_QUANTITY_SUFFIX = "unable to parse quantity's suffix";

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Parsed values are rounded to 10^-9. */
const NANO = -9;
/** Upstream's maxInt64Factors: decimal digits that always fit an int64. */
const MAX_INT64_FACTORS = 18;

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map([...DECIMAL_SUFFIXES].map(([s, e]) => [e, s]));
const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const BINARY_SUFFIX_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const pow10 = (n: number): bigint => 10n ** BigInt(n);
const digitCount = (v: bigint): number => abs(v).toString().length;

class QuantityError extends Error {}

interface Scanned {
  positive: boolean;
  /** Sign, digits and point, as written (leading zeros included). */
  value: string;
  /** Integer digits without leading zeros ("0" when there are none). */
  num: string;
  denom: string;
  suffix: string;
}

/** Upstream's parseQuantityString: splits number and suffix without judging the suffix. */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (str[pos] === '0') pos++;
  // Only zeros (or nothing) after the sign: the value is zero.
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  let i = pos;
  while (isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
  const num = i > pos ? str.slice(pos, i) : '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    let j = pos;
    while (isDigit(str[j])) j++;
    if (j >= end) return { positive, value: str, num, denom: str.slice(pos), suffix: '' };
    denom = str.slice(pos, j);
    pos = j;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos]!)) pos++;
  if (pos >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (isDigit(str[pos])) pos++;
  if (pos >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  throw new QuantityError(ERR_QUANTITY_FORMAT);
}

/** strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

function interpretSuffix(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  const dec = DECIMAL_SUFFIXES.get(suffix);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES.get(suffix);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const parsed = parseInt64(suffix.slice(1));
    if (parsed === undefined) throw new QuantityError(ERR_QUANTITY_SUFFIX);
    // Upstream keeps the exponent in an int32, silently truncating larger ones.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  throw new QuantityError(ERR_QUANTITY_SUFFIX);
}

/** |v| × 10^scale rounded away from zero to `target` (≤ scale is exact, no-op). */
function roundAwayTo(v: bigint, scale: number, target: number): { unscaled: bigint; scale: number; exact: boolean } {
  if (scale >= target || v === 0n) return { unscaled: v, scale, exact: true };
  const k = target - scale;
  const neg = v < 0n;
  const a = abs(v);
  let q: bigint;
  let exact: boolean;
  // A divisor with more digits than the value leaves a non-zero fraction only: result 1.
  if (k > digitCount(a)) {
    q = 1n;
    exact = false;
  } else {
    const d = pow10(k);
    q = a / d;
    exact = q * d === a;
    if (!exact) q += 1n;
  }
  return { unscaled: neg ? -q : q, scale: target, exact };
}

function parse(str: string): Quantity {
  if (str.length === 0) throw new QuantityError(ERR_QUANTITY_FORMAT);
  if (str === '0') return Object.freeze({ unscaled: 0n, scale: 0, format: 'DecimalSI', text: str });
  const { positive, value, num, denom, suffix } = scan(str);
  const { base, exponent, format } = interpretSuffix(suffix);

  // Fast path: values that fit an int64 at nano precision or coarser.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      // 1Mi (2^20) has ~6 decimal digits, so exponent*3/10 digits are used up by the suffix.
      precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    } else precision = -1;
  } else {
    scale = exponent;
    precision = MAX_INT64_FACTORS - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= NANO) {
      const shifted = num + denom;
      const v = parseInt64(shifted);
      if (v === undefined) throw new QuantityError(ERR_QUANTITY_NUMERIC);
      const result = v * mantissa;
      if (result <= INT64_MAX) {
        // Upstream keeps the input string when it is (upstream's idea of) canonical.
        const canonical =
          format === 'BinarySI'
            ? exponent % 10 === 0 && (v & 7n) !== 0n
            : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        const q: Quantity = { unscaled: positive ? result : -result, scale, format };
        return Object.freeze(canonical ? { ...q, text: str } : q);
      }
    }
  }

  // Slow path: arbitrary precision.
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(value);
  const intDigits = m?.[2] ?? '';
  const fracDigits = m?.[3] ?? '';
  if (!m || intDigits.length + fracDigits.length === 0) throw new QuantityError(ERR_QUANTITY_NUMERIC);
  let unscaled = BigInt(intDigits + fracDigits);
  let amountScale = -fracDigits.length;
  if (base === 10) amountScale += exponent;
  else unscaled <<= BigInt(exponent);
  // Rounding up, not half-up, so that a tiny non-zero request still gets something.
  const rounded = roundAwayTo(unscaled, amountScale, NANO);
  unscaled = rounded.unscaled;
  amountScale = rounded.scale;
  let outFormat = format;
  if (format === 'BinarySI') {
    if (compareParts(unscaled, amountScale, INT64_MAX, 0) > 0) {
      unscaled = INT64_MAX;
      amountScale = 0;
    }
    if (unscaled !== 0n && compareParts(unscaled, amountScale, 1n, 0) < 0) outFormat = 'DecimalSI';
  }
  const sign = m[1] === '-' ? -1n : 1n;
  return Object.freeze({ unscaled: unscaled * sign, scale: amountScale, format: outFormat });
}

/** Parses a quantity string; throws 400 BadRequest with upstream's message if it is malformed. */
export function parseQuantity(s: string): Quantity {
  try {
    return parse(s);
  } catch (err) {
    if (err instanceof QuantityError) throw badRequest(err.message);
    throw err;
  }
}

/** Parses a quantity string, or returns undefined if it is malformed. */
export function tryParseQuantity(s: string): Quantity | undefined {
  try {
    return parse(s);
  } catch (err) {
    if (err instanceof QuantityError) return undefined;
    throw err;
  }
}

/**
 * Decodes a quantity from a JSON field value as upstream's UnmarshalJSON does: a string
 * (surrounding whitespace ignored) or a bare number; null is the zero quantity. Numbers
 * go through their JS text form, so `1e3` arrives as `1000`.
 */
export function quantityFromJson(v: unknown): Quantity {
  if (v === null) return ZERO;
  if (typeof v === 'string') return parseQuantity(v.trim());
  if (typeof v === 'number' && Number.isFinite(v)) return parseQuantity(String(v));
  throw badRequest(ERR_QUANTITY_FORMAT);
}

const ZERO: Quantity = Object.freeze({ unscaled: 0n, scale: 0, format: 'DecimalSI' });

/** A quantity of unscaled × 10^scale; nothing is rounded. */
export function newQuantity(unscaled: bigint, scale = 0, format: QuantityFormat = 'DecimalSI'): Quantity {
  return Object.freeze({ unscaled, scale, format });
}

/** A quantity of milli/1000 (upstream NewMilliQuantity). */
export function newMilliQuantity(milli: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return newQuantity(milli, -3, format);
}

// ---------------------------------------------------------------------------------------
// Arithmetic on (unscaled, scale) pairs, never materialising 10^scale for huge exponents.

/** Compares a×10^as with b×10^bs. */
function compareParts(a: bigint, as: number, b: bigint, bs: number): -1 | 0 | 1 {
  const sa = a === 0n ? 0 : a < 0n ? -1 : 1;
  const sb = b === 0n ? 0 : b < 0n ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  // Same sign: compare magnitudes by the position of the leading digit first.
  const ma = digitCount(a) + as;
  const mb = digitCount(b) + bs;
  let cmp: number;
  if (ma !== mb) cmp = ma < mb ? -1 : 1;
  else {
    // Equal leading positions bound the scale difference by the digit counts.
    const s = Math.min(as, bs);
    const x = abs(a) * pow10(as - s);
    const y = abs(b) * pow10(bs - s);
    cmp = x === y ? 0 : x < y ? -1 : 1;
  }
  if (cmp === 0) return 0;
  return (sa < 0 ? -cmp : cmp) as -1 | 1;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b (numerically). */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return compareParts(a.unscaled, a.scale, b.unscaled, b.scale);
}

export const quantityEquals = (a: Quantity, b: Quantity): boolean => compareQuantities(a, b) === 0;

export const isZero = (q: Quantity): boolean => q.unscaled === 0n;

export const quantitySign = (q: Quantity): -1 | 0 | 1 => (q.unscaled === 0n ? 0 : q.unscaled < 0n ? -1 : 1);

/** Results beyond this many digits are refused rather than allocated. */
const MAX_RESULT_DIGITS = 1000;

/** q / 10^scale, rounded away from zero (upstream ScaledValue, without int64 overflow). */
export function toScaled(q: Quantity, scale: number): bigint {
  if (q.unscaled === 0n) return 0n;
  const diff = q.scale - scale;
  if (diff >= 0) {
    if (digitCount(q.unscaled) + diff > MAX_RESULT_DIGITS) throw new RangeError(`quantity ${canonicalize(q)} is too large to convert`);
    return q.unscaled * pow10(diff);
  }
  return roundAwayTo(q.unscaled, diff, 0).unscaled;
}

/** The value in milli-units, ceil(q × 1000) away from zero (upstream MilliValue). Exact. */
export const toMilli = (q: Quantity): bigint => toScaled(q, -3);

/** toMilli as a number; exact up to 2^53 milli-units (≈ 9 PB of memory, 9 billion cores). */
export function toMilliNumber(q: Quantity): number {
  try {
    return Number(toMilli(q));
  } catch (err) {
    if (err instanceof RangeError) return q.unscaled < 0n ? -Infinity : Infinity;
    throw err;
  }
}

/** The value rounded away from zero to an integer (upstream Value()). */
export const toValue = (q: Quantity): bigint => toScaled(q, 0);

/** An approximate float (upstream AsApproximateFloat64). */
export function toApproximateNumber(q: Quantity): number {
  return Number(q.unscaled) * 10 ** q.scale;
}

// ---------------------------------------------------------------------------------------
// Canonical form.

/** Moves factors of ten from the digits into the exponent. */
function stripTens(v: bigint, scale: number): [bigint, number] {
  let s = scale;
  let x = v;
  while (x % 10n === 0n) {
    x /= 10n;
    s++;
  }
  return [x, s];
}

function decimalSuffix(exponent: number, format: QuantityFormat): string {
  if (format === 'DecimalSI') {
    const s = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
    if (s !== undefined) return s;
    // No SI suffix beyond E (10^18): fall back to an exponent rather than drop it, as
    // upstream now does (releases up to 1.33 wrote "1000E" back as "1").
  }
  return exponent === 0 ? '' : `e${exponent}`;
}

/** Upstream's CanonicalizeBytes: largest suffix that loses no precision, no fraction. */
function render(q: Quantity): string {
  if (q.unscaled === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const small = compareParts(q.unscaled, q.scale, -1024n, 0) > 0 && compareParts(q.unscaled, q.scale, 1024n, 0) < 0;
    // Small values and fractions would need rounding in binary form; show them decimal.
    // (So would hand-built values far beyond the 2^63 cap that parsing enforces.)
    const huge = digitCount(q.unscaled) + q.scale > 40;
    if (small || huge || !roundAwayTo(q.unscaled, q.scale, 0).exact) format = 'DecimalSI';
  }
  if (format !== 'BinarySI') {
    let [m, e] = stripTens(q.unscaled, q.scale);
    const down = ((e % 3) + 3) % 3;
    m *= pow10(down);
    e -= down;
    return m.toString() + decimalSuffix(e, format);
  }
  let [m, e] = stripTens(q.unscaled, q.scale);
  m *= pow10(e); // binary-SI values here are integers below 2^63, so e is small
  let power = 0;
  while (m % 1024n === 0n) {
    m /= 1024n;
    power++;
  }
  // Past Ei there is no suffix; only hand-built quantities get here.
  while (power >= BINARY_SUFFIX_BY_POWER.length) {
    m *= 1024n;
    power--;
  }
  return m.toString() + BINARY_SUFFIX_BY_POWER[power]!;
}

/**
 * The string upstream serialises the quantity as (Quantity.String / MarshalJSON): the
 * input verbatim when it was already canonical, otherwise the canonical rendering.
 */
export function canonicalize(q: Quantity | string): string {
  const quantity = typeof q === 'string' ? parseQuantity(q) : q;
  return quantity.text ?? render(quantity);
}
