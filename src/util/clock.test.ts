import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMicroTime, formatTime } from './clock.js';
import { FakeClock } from './clock-fake.js';

describe('FakeClock', () => {
  it('fires timers in due order only when advanced', async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push('b'));
    clock.setTimer(10, () => fired.push('a'));
    const cancelled = clock.setTimer(15, () => fired.push('x'));
    cancelled.cancel();
    await clock.advance(9);
    assert.deepEqual(fired, []);
    await clock.advance(11);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.now(), 1020);
  });

  it('lets async code schedule follow-up timers within one advance', async () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        seen.push(clock.now());
      }
    })();
    await clock.advance(300);
    assert.deepEqual(seen, [100, 200, 300]);
  });

  it('sleep ends early when its signal aborts', async () => {
    const clock = new FakeClock(0);
    const abort = new AbortController();
    let done = false;
    const p = clock.sleep(1_000_000, abort.signal).then(() => (done = true));
    await clock.settle();
    assert.equal(done, false);
    abort.abort();
    await p;
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('time formats', () => {
  it('renders Time to the second and MicroTime with six digits', () => {
    const ms = Date.UTC(2026, 2, 4, 5, 6, 7, 89);
    assert.equal(formatTime(ms), '2026-03-04T05:06:07Z');
    assert.equal(formatMicroTime(ms), '2026-03-04T05:06:07.089000Z');
    assert.equal(Date.parse(formatMicroTime(ms)), ms);
  });
});
