import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../util/clock-fake.js';
import { Backoff } from './backoff.js';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from './rate-limiter.js';

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles from 5 ms per item up to 1000 s and forgets on success', () => {
    const r = new ItemExponentialFailureRateLimiter<string>();
    assert.deepEqual([1, 2, 3, 4].map(() => r.when('a')), [5, 10, 20, 40]);
    assert.equal(r.when('b'), 5);
    assert.equal(r.numRequeues('a'), 4);
    for (let i = 0; i < 100; i++) r.when('a');
    assert.equal(r.when('a'), 1_000_000);
    r.forget('a');
    assert.equal(r.numRequeues('a'), 0);
    assert.equal(r.when('a'), 5);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst of 100 through, then one per 100 ms at 10 qps', async () => {
    const clock = new FakeClock(0);
    const r = new BucketRateLimiter<string>(10, 100, clock);
    for (let i = 0; i < 100; i++) assert.equal(r.when(`k${i}`), 0);
    assert.equal(Math.round(r.when('x')), 100);
    assert.equal(Math.round(r.when('y')), 200);
    await clock.advance(1000);
    // 10 tokens came back, but two were already promised.
    assert.equal(Math.round(r.when('z')), 0);
  });
});

describe('MaxOfRateLimiter / default controller limiter', () => {
  it('takes the longest delay and forgets in every limiter', () => {
    const clock = new FakeClock(0);
    const r = defaultControllerRateLimiter<string>(clock);
    assert.equal(r.when('a'), 5);
    assert.equal(r.when('a'), 10);
    r.forget('a');
    assert.equal(r.when('a'), 5);
    const m = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter(1, 1000), new ItemExponentialFailureRateLimiter(3, 1000));
    assert.equal(m.when('k'), 3);
    assert.equal(m.numRequeues('k'), 1);
  });
});

describe('Backoff', () => {
  it('grows to its maximum, and starts over after a quiet spell', async () => {
    const clock = new FakeClock(0);
    const b = new Backoff({ initialMs: 800, maxMs: 30_000, jitter: 0, resetAfterMs: 120_000, clock });
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(() => b.next()), [800, 1600, 3200, 6400, 12800, 25600, 30000]);
    await clock.advance(120_001);
    assert.equal(b.next(), 800);
    b.reset();
    assert.equal(b.next(), 800);
  });

  it('adds jitter of up to the given fraction', () => {
    const b = new Backoff({ initialMs: 1000, jitter: 1, random: () => 0.5, clock: new FakeClock(0) });
    assert.equal(b.next(), 1500);
  });
});
