import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.js';
import {
  ERR_QUANTITY_FORMAT,
  ERR_QUANTITY_NUMERIC,
  ERR_QUANTITY_SUFFIX,
  canonicalize,
  compareQuantities,
  isZero,
  newMilliQuantity,
  newQuantity,
  parseQuantity,
  quantityEquals,
  quantityFromJson,
  toMilli,
  toMilliNumber,
  toValue,
  tryParseQuantity,
  type Quantity,
  type QuantityFormat,
} from './quantity.js';

const q = (unscaled: bigint, scale: number, format: QuantityFormat): Quantity => newQuantity(unscaled, scale, format);
const MAX = 2n ** 63n - 1n;

// Upstream's TestQuantityParse table: input → exact value and format.
const PARSE_TABLE: [string, Quantity][] = [
  ['0', q(0n, 0, 'DecimalSI')],
  ['0n', q(0n, 0, 'DecimalSI')],
  ['0m', q(0n, 0, 'DecimalSI')],
  ['0Ki', q(0n, 0, 'BinarySI')],
  ['0Gi', q(0n, 0, 'BinarySI')],
  ['0T', q(0n, 0, 'DecimalSI')],
  ['1', q(1n, 0, 'DecimalSI')],
  ['1Ki', q(1024n, 0, 'BinarySI')],
  ['8Ki', q(8n * 1024n, 0, 'BinarySI')],
  ['7Mi', q(7n * 1024n ** 2n, 0, 'BinarySI')],
  ['6Gi', q(6n * 1024n ** 3n, 0, 'BinarySI')],
  ['5Ti', q(5n * 1024n ** 4n, 0, 'BinarySI')],
  ['4Pi', q(4n * 1024n ** 5n, 0, 'BinarySI')],
  ['3Ei', q(3n * 1024n ** 6n, 0, 'BinarySI')],
  ['100Ti', q(100n * 1024n ** 4n, 0, 'BinarySI')],
  ['5n', q(5n, -9, 'DecimalSI')],
  ['4u', q(4n, -6, 'DecimalSI')],
  ['3m', q(3n, -3, 'DecimalSI')],
  ['8k', q(8n, 3, 'DecimalSI')],
  ['50k', q(5n, 4, 'DecimalSI')],
  ['7M', q(7n, 6, 'DecimalSI')],
  ['6G', q(6n, 9, 'DecimalSI')],
  ['40T', q(4n, 13, 'DecimalSI')],
  ['2P', q(2n, 15, 'DecimalSI')],
  ['1E', q(1n, 18, 'DecimalSI')],
  ['1E-3', q(1n, -3, 'DecimalExponent')],
  ['1e3', q(1n, 3, 'DecimalExponent')],
  ['1E18', q(1n, 18, 'DecimalExponent')],
  ['1e14', q(1n, 14, 'DecimalExponent')],
  ['100.035k', q(100035n, 0, 'DecimalSI')],
  ['0.001', q(1n, -3, 'DecimalSI')],
  ['0.0005k', q(5n, -1, 'DecimalSI')],
  ['0.50000', q(5n, -1, 'DecimalSI')],
  ['0.5e-2', q(5n, -3, 'DecimalExponent')],
  ['10.035M', q(10035n, 3, 'DecimalSI')],
  ['1.3E+6', q(13n, 5, 'DecimalExponent')],
  ['1.7E18', q(17n, 17, 'DecimalExponent')],
  ['6.987654321G', q(6987654321n, 0, 'DecimalSI')],
  ['1.01E', q(101n, 16, 'DecimalSI')],
  ['3.001n', q(4n, -9, 'DecimalSI')],
  ['1.1E-9', q(2n, -9, 'DecimalExponent')],
  ['0.0000000001', q(1n, -9, 'DecimalSI')],
  ['0.5e-9', q(1n, -9, 'DecimalExponent')],
  ['0.9n', q(1n, -9, 'DecimalSI')],
  ['0.00000012345', q(124n, -9, 'DecimalSI')],
  ['9Ei', q(MAX, 0, 'BinarySI')],
  ['9223372036854775807Ki', q(MAX, 0, 'BinarySI')],
  ['12E', q(12n, 18, 'DecimalSI')],
  ['100.035Ki', q(10243584n, -2, 'BinarySI')],
  ['0.5Mi', q(524288n, 0, 'BinarySI')],
  ['0.025Ti', q(274877906944n, -1, 'BinarySI')],
  ['0.000000000001Ki', q(2n, -9, 'DecimalSI')],
  ['.001', q(1n, -3, 'DecimalSI')],
  ['.0001k', q(100n, -3, 'DecimalSI')],
  ['1.', q(1n, 0, 'DecimalSI')],
  ['1.G', q(1n, 9, 'DecimalSI')],
];

test('parses upstream’s table exactly, with signs', () => {
  for (const [input, want] of PARSE_TABLE) {
    for (const [prefix, sign] of [
      ['', 1n],
      ['+', 1n],
      ['-', -1n],
    ] as const) {
      const got = parseQuantity(prefix + input);
      const expected = newQuantity(want.unscaled * sign, want.scale, want.format);
      assert.equal(compareQuantities(got, expected), 0, `${prefix}${input}: ${canonicalize(got)}`);
      assert.equal(got.format, want.format, `${prefix}${input} format`);
    }
  }
});

test('refuses malformed quantities with upstream messages', () => {
  const err = (s: string): string => {
    try {
      parseQuantity(s);
    } catch (e) {
      assert.ok(e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest');
      return e.message;
    }
    assert.fail(`${JSON.stringify(s)} parsed`);
  };
  for (const s of ['', '1.1.M', '1+1.0M', 'aoeu', '0.1am', ' 1', '1 ', '1x', '1Gix', '1e3.5']) assert.equal(err(s), ERR_QUANTITY_FORMAT, s);
  for (const s of ['0.1mi', '.5i', '1i', '-3.01i', '-3.01e-', '1e', 'e', '1KK', '1K', '1e9223372036854775808']) {
    assert.equal(err(s), ERR_QUANTITY_SUFFIX, s);
  }
  assert.equal(err('.e-20'), ERR_QUANTITY_NUMERIC);
  assert.equal(ERR_QUANTITY_FORMAT, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  assert.equal(tryParseQuantity('1x'), undefined);
  assert.ok(tryParseQuantity('1'));
});

test('canonical form: largest suffix, no fraction, no lost precision', () => {
  const cases: [string, string][] = [
    ['1000m', '1'],
    ['1024Mi', '1Gi'],
    ['0.5', '500m'],
    ['1.5Gi', '1536Mi'],
    ['1.5', '1500m'],
    ['307200Ki', '300Mi'],
    ['5000m', '5'],
    ['1000M', '1G'],
    ['0.001T', '1G'],
    ['1.08', '1080m'],
    ['1080000000n', '1080m'],
    ['.001e12', '1e9'],
    ['0.001e0', '1e-3'],
    ['1000e-12', '1e-9'],
    ['00', '0'],
    ['0.0', '0'],
    ['-0', '0'],
    ['1.2345', '1234500u'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['-1024Mi', '-1Gi'],
    ['-1.5', '-1500m'],
    ['8Ei', '9223372036854775807'],
    ['0.1Ki', '102400m'],
    ['1000E', '1e21'],
    ['5000E', '5e21'],
    ['1e-20', '1e-9'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalize(input), want, input);
});

test('already-canonical input is echoed verbatim, as upstream caches it', () => {
  for (const s of ['1Gi', '300Mi', '1001Gi', '6Ki', '100m', '1080m', '2', '1e3', '80e-3', '1E', '1e21', '1234567m', '1025', '0', '128974848']) {
    assert.equal(canonicalize(s), s, s);
  }
  // Upstream's notion of canonical ignores signs, leading zeros and the exponent letter.
  assert.equal(canonicalize('+1'), '+1');
  assert.equal(canonicalize('01'), '01');
  assert.equal(canonicalize('1E3'), '1E3');
});

test('canonical form of constructed quantities (upstream TestQuantityString, TestMilliNewSet)', () => {
  const cases: [Quantity, string][] = [
    [q(1024n ** 3n, 0, 'BinarySI'), '1Gi'],
    [q(5n, 0, 'BinarySI'), '5'],
    [q(500n, -3, 'BinarySI'), '500m'],
    [q(1000n, 6, 'DecimalSI'), '1G'],
    [q(108n, -2, 'DecimalSI'), '1080m'],
    [q(10800n, -4, 'DecimalSI'), '1080m'],
    [q(1234567n, -3, 'BinarySI'), '1234567m'],
    [q(0n, 0, 'BinarySI'), '0'],
    [q(1n, 9, 'DecimalExponent'), '1e9'],
    [q(300n, 6, 'DecimalExponent'), '300e6'],
    [q(1080n, -9, 'DecimalSI'), '1080n'],
    [q(10800n, -10, 'DecimalSI'), '1080n'],
    [q(-901n, -2, 'DecimalSI'), '-9010m'],
    [newMilliQuantity(1024n, 'BinarySI'), '1024m'],
    [newMilliQuantity(1024n * 1024n, 'BinarySI'), '1048576m'],
    [newMilliQuantity(1234000n), '1234'],
    [newQuantity(1024n * 1024n, 0, 'BinarySI'), '1Mi'],
    [newQuantity(1234000n), '1234k'],
  ];
  for (const [quantity, want] of cases) assert.equal(canonicalize(quantity), want, want);
});

test('compare (upstream TestQuantityCmp and TestQuantityCmpInt64AndDec)', () => {
  const c = (a: string, b: string): number => compareQuantities(parseQuantity(a), parseQuantity(b));
  assert.equal(c('0', '0'), 0);
  assert.equal(c('100m', '50m'), 1);
  assert.equal(c('50m', '100m'), -1);
  assert.equal(c('10000T', '100Gi'), 1);
  assert.equal(c('1Gi', '1G'), 1);
  assert.equal(c('1000m', '1'), 0);
  assert.equal(c('1e3', '1k'), 0);
  assert.equal(c('-1', '1m'), -1);
  assert.equal(c('-2', '-1'), -1);
  assert.equal(c('1e999999999', '1e999999998'), 1, 'huge exponents compare without materialising');
  assert.equal(c('1e-999999999', '0'), 1);
  const cases: [Quantity, Quantity, number][] = [
    [q(90n, -1, 'DecimalSI'), q(901n, -2, 'DecimalSI'), -1],
    [q(0n, 1, 'DecimalSI'), q(0n, -1, 'DecimalSI'), 0],
    [q(800n, -3, 'DecimalSI'), q(79n, -2, 'DecimalSI'), 1],
    [q(MAX, -16, 'DecimalSI'), q(1n, 3, 'DecimalSI'), -1],
    [q(-MAX - 1n, -18, 'DecimalSI'), q(-1n, 0, 'DecimalSI'), -1],
    [q(-MAX - 1n, -19, 'DecimalSI'), q(-1n, 0, 'DecimalSI'), 1],
    [q(10n ** 18n, -17, 'DecimalSI'), q(1n, 1, 'DecimalSI'), 0],
    [q(-(10n ** 18n), -17, 'DecimalSI'), q(-10n, 0, 'DecimalSI'), 0],
    [q(10n ** 18n + 1n, -17, 'DecimalSI'), q(1n, 1, 'DecimalSI'), 1],
    [q(10n ** 18n - 1n, -17, 'DecimalSI'), q(1n, 1, 'DecimalSI'), -1],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(compareQuantities(a, b), want);
    assert.equal(compareQuantities(b, a), want === 0 ? 0 : -want);
  }
  assert.equal(quantityEquals(parseQuantity('1Ki'), parseQuantity('1024')), true);
  assert.equal(isZero(parseQuantity('0Mi')), true);
});

test('milli-units and values are exact and round away from zero', () => {
  assert.equal(toMilli(parseQuantity('100m')), 100n);
  assert.equal(toMilli(parseQuantity('2')), 2000n);
  assert.equal(toMilli(parseQuantity('1.5')), 1500n);
  assert.equal(toMilli(parseQuantity('1Gi')), 1073741824000n);
  assert.equal(toMilli(parseQuantity('500Mi')), 524288000000n);
  assert.equal(toMilli(parseQuantity('1n')), 1n, 'ceil');
  assert.equal(toMilli(parseQuantity('1.2345')), 1235n);
  assert.equal(toMilli(parseQuantity('-1.2345')), -1235n);
  assert.equal(toMilli(parseQuantity('8Ei')), MAX * 1000n, 'beyond int64 stays exact');
  assert.equal(toMilliNumber(parseQuantity('250m')), 250);
  assert.equal(toMilliNumber(parseQuantity('64Gi')), 68719476736000);
  assert.equal(toMilliNumber(parseQuantity('1e999999999')), Infinity);
  assert.throws(() => toMilli(parseQuantity('1e999999999')), RangeError);
  assert.equal(toValue(parseQuantity('1500m')), 2n);
  assert.equal(toValue(parseQuantity('1Ki')), 1024n);
  assert.equal(toValue(parseQuantity('0')), 0n);
});

test('JSON decoding: strings are trimmed, numbers accepted, null is zero', () => {
  assert.equal(canonicalize(quantityFromJson(' 1')), '1');
  assert.equal(canonicalize(quantityFromJson('1 ')), '1');
  assert.equal(canonicalize(quantityFromJson(10)), '10');
  assert.equal(canonicalize(quantityFromJson(-1)), '-1');
  assert.equal(canonicalize(quantityFromJson(0.5)), '500m');
  assert.equal(canonicalize(quantityFromJson(null)), '0');
  assert.throws(() => quantityFromJson(true), ApiError);
  assert.throws(() => quantityFromJson('abc'), ApiError);
});
