import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CidrSet, parseIpv4Cidr } from './cidr-set.js';

describe('CidrSet', () => {
  it('hands out distinct node ranges in order', () => {
    const set = new CidrSet('10.42.0.0/16', 24);
    assert.equal(set.capacity, 256);
    assert.equal(set.allocateNext(), '10.42.0.0/24');
    assert.equal(set.allocateNext(), '10.42.1.0/24');
    assert.equal(set.allocated, 2);
  });

  it('skips occupied ranges and does not reuse a released one at once', () => {
    const set = new CidrSet('10.42.0.0/16', 24);
    assert.equal(set.occupy('10.42.0.0/24'), true);
    assert.equal(set.allocateNext(), '10.42.1.0/24');
    assert.equal(set.release('10.42.0.0/24'), true);
    assert.equal(set.allocateNext(), '10.42.2.0/24');
  });

  it('runs out, then wraps to a freed range', () => {
    const set = new CidrSet('10.0.0.0/30', 31);
    assert.equal(set.allocateNext(), '10.0.0.0/31');
    assert.equal(set.allocateNext(), '10.0.0.2/31');
    assert.equal(set.allocateNext(), undefined);
    set.release('10.0.0.0/31');
    assert.equal(set.allocateNext(), '10.0.0.0/31');
  });

  it('refuses ranges that are not its own', () => {
    const set = new CidrSet('10.42.0.0/16', 24);
    assert.equal(set.occupy('10.43.0.0/24'), false);
    assert.equal(set.occupy('10.42.0.0/25'), false);
    assert.equal(set.release('10.42.5.0/24'), false);
  });

  it('rejects bad configuration', () => {
    assert.throws(() => new CidrSet('10.42.0.0/33', 24));
    assert.throws(() => new CidrSet('10.42.0.0/16', 8));
    assert.throws(() => new CidrSet('10.0.0.0/8', 28));
    assert.deepEqual(parseIpv4Cidr('10.42.7.9/16'), { base: parseIpv4Cidr('10.42.0.0/16')!.base, prefix: 16 });
  });
});
