import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../util/clock-fake.js';
import { silentLogger } from '../util/logger.js';
import { runController } from './controller.js';
import { defaultControllerRateLimiter } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

function makeQueue(clock: FakeClock) {
  return new WorkQueue<string>({ clock, rateLimiter: defaultControllerRateLimiter(clock) });
}

describe('runController', () => {
  it('starts workers only after the caches synced', async () => {
    const clock = new FakeClock(0);
    const queue = makeQueue(clock);
    let synced!: (v: boolean) => void;
    const cache = { waitForSync: () => new Promise<boolean>((r) => (synced = r)) };
    const seen: string[] = [];
    const c = runController({ name: 't', queue, reconcile: async (k) => void seen.push(k), waitFor: [cache], logger: silentLogger });
    queue.add('a');
    await clock.settle();
    assert.deepEqual(seen, []);
    synced(true);
    assert.equal(await c.started, true);
    await clock.settle();
    assert.deepEqual(seen, ['a']);
    await c.stop();
  });

  it('requeues failures with per-key backoff and forgets on success', async () => {
    const clock = new FakeClock(0);
    const queue = makeQueue(clock);
    const attempts: number[] = [];
    let failuresLeft = 3;
    const c = runController({
      name: 't',
      queue,
      logger: silentLogger,
      reconcile: async () => {
        attempts.push(clock.now());
        if (failuresLeft-- > 0) throw new Error('not yet');
      },
    });
    queue.add('k');
    await clock.advance(100);
    assert.deepEqual(attempts, [0, 5, 15, 35]);
    assert.equal(queue.numRequeues('k'), 0, 'success forgot the backoff');
    await c.stop();
  });

  it('never reconciles one key in two workers at once, and a change during a reconcile is not lost', async () => {
    const clock = new FakeClock(0);
    const queue = makeQueue(clock);
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const gates: (() => void)[] = [];
    const c = runController({
      name: 't',
      queue,
      workers: 4,
      logger: silentLogger,
      reconcile: async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
      },
    });
    queue.add('k');
    await clock.settle();
    queue.add('k');
    queue.add('k');
    await clock.settle();
    assert.equal(calls, 1);
    gates.shift()!();
    await clock.settle();
    assert.equal(calls, 2, 'processed again after done');
    gates.shift()!();
    await clock.settle();
    assert.equal(calls, 2);
    assert.equal(maxRunning, 1);
    await c.stop();
  });

  it('requeues after requeueAfterMs and stop waits for the reconcile in progress', async () => {
    const clock = new FakeClock(0);
    const queue = makeQueue(clock);
    const times: number[] = [];
    const c = runController({
      name: 't',
      queue,
      logger: silentLogger,
      reconcile: async () => {
        times.push(clock.now());
        return times.length < 3 ? { requeueAfterMs: 1000 } : undefined;
      },
    });
    queue.add('k');
    await clock.advance(5000);
    assert.deepEqual(times, [0, 1000, 2000]);
    await c.stop();
    await c.done;
  });
});
