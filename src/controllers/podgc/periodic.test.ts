import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../util/clock-fake.js';
import { silentLogger } from '../../util/logger.js';
import { runPeriodic } from './periodic.js';

describe('runPeriodic', () => {
  it('runs after sync, every period, on trigger, survives a failing pass, and stops', async () => {
    const clock = new FakeClock(0);
    const times: number[] = [];
    let fail = true;
    let release!: (v: boolean) => void;
    const synced = new Promise<boolean>((resolve) => (release = resolve));
    const periodic = runPeriodic({
      name: 'test',
      periodMs: 1000,
      clock,
      logger: silentLogger,
      waitFor: [{ waitForCacheSync: () => synced }],
      async pass() {
        times.push(clock.now());
        if (fail) {
          fail = false;
          throw new Error('boom');
        }
      },
    });
    await clock.settle();
    assert.deepEqual(times, [], 'nothing before the caches synced');
    release(true);
    assert.equal(await periodic.started, true);
    await clock.settle();
    assert.deepEqual(times, [0]);
    await clock.advance(1000);
    assert.deepEqual(times, [0, 1000], 'the failed pass did not stop the loop');
    await clock.advance(300);
    periodic.trigger();
    await clock.settle();
    assert.deepEqual(times, [0, 1000, 1300]);
    await periodic.stop();
    await clock.advance(5000);
    assert.deepEqual(times, [0, 1000, 1300]);
  });
});
