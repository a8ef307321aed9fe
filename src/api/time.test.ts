import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rfc3339 } from './time.js';

describe('rfc3339', () => {
  it('writes whole seconds in UTC, the same text for every instant of one second', () => {
    assert.equal(rfc3339(new Date('2026-11-29T14:57:33.001Z')), '2026-11-29T14:57:33Z');
    assert.equal(rfc3339(new Date('2026-11-29T14:57:33.999Z')), '2026-11-29T14:57:33Z');
    assert.equal(rfc3339(new Date('2026-11-29T14:57:34.000Z')), '2026-11-29T14:57:34Z');
    assert.equal(rfc3339(new Date('2026-11-29T14:57:33.500Z')), '2026-11-29T14:57:33Z');
    assert.equal(rfc3339(new Date('1969-12-31T23:59:59.500Z')), '1969-12-31T23:59:59Z');
    assert.equal(rfc3339(new Date('1970-01-01T00:00:00.500Z')), '1970-01-01T00:00:00Z');
  });

  it('refuses an invalid date', () => {
    assert.throws(() => rfc3339(new Date(Number.NaN)), RangeError);
  });
});
