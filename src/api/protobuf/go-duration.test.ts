import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseGoDuration } from './go-duration.js';

test('formats like Go time.Duration.String', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [999n, '999ns'],
    [1_000n, '1µs'],
    [1_500n, '1.5µs'],
    [1_000_000n, '1ms'],
    [1_234_567n, '1.234567ms'],
    [1_000_000_000n, '1s'],
    [1_500_000_000n, '1.5s'],
    [60_000_000_000n, '1m0s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_723_000_000_000n, '1h2m3s'],
    [-30_000_000_000n, '-30s'],
    [(1n << 63n) - 1n, '2562047h47m16.854775807s'],
    [-(1n << 63n), '-2562047h47m16.854775808s'],
  ];
  for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text, String(ns));
});

test('parses like Go time.ParseDuration and round-trips the formatted form', () => {
  assert.equal(parseGoDuration('0'), 0n);
  assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseGoDuration('-2m'), -120_000_000_000n);
  assert.equal(parseGoDuration('+5ms'), 5_000_000n);
  assert.equal(parseGoDuration('3us'), 3_000n);
  assert.equal(parseGoDuration('3µs'), 3_000n);
  assert.equal(parseGoDuration('.5h'), 1_800_000_000_000n);
  for (const ns of [1n, 1_500n, 61_000_000_000n, 3_723_000_000_001n, -90_000_000_000n]) assert.equal(parseGoDuration(formatGoDuration(ns)), ns);
  for (const bad of ['', '1', 'h', '1x', '1.h.', '-', '.s', '9999999999h']) assert.throws(() => parseGoDuration(bad), /time: /, bad);
});
