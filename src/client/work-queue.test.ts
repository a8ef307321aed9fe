import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../util/clock-fake.js';
import { defaultControllerRateLimiter } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';

function queue(clock = new FakeClock(0)) {
  return { clock, q: new WorkQueue<string>({ clock, rateLimiter: defaultControllerRateLimiter(clock) }) };
}

async function take(q: WorkQueue<string>): Promise<string> {
  const got = await q.get();
  assert.equal(got.shutdown, false);
  return (got as { item: string }).item;
}

describe('WorkQueue', () => {
  it('hands out keys in order and holds a key only once while queued', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await take(q), 'a');
    assert.equal(await take(q), 'b');
    assert.equal(q.len(), 0);
  });

  it('a key added while processing is not handed to another worker, and is processed again after done', async () => {
    const { q } = queue();
    q.add('a');
    const first = await take(q);
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'not queued while a worker holds it');
    let second: string | undefined;
    void q.get().then((g) => (second = g.shutdown ? undefined : g.item));
    await new Promise((r) => setImmediate(r));
    assert.equal(second, undefined);
    q.done(first);
    await new Promise((r) => setImmediate(r));
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.len(), 0);
  });

  it('a waiting worker wakes when a key arrives', async () => {
    const { q } = queue();
    const got = q.get();
    q.add('x');
    assert.deepEqual(await got, { shutdown: false, item: 'x' });
  });

  it('addAfter waits on the clock; the earliest pending time wins', async () => {
    const { q, clock } = queue();
    q.addAfter('a', 1000);
    q.addAfter('a', 300);
    q.addAfter('a', 2000);
    assert.equal(q.waitingCount(), 1);
    await clock.advance(299);
    assert.equal(q.len(), 0);
    await clock.advance(1);
    assert.equal(q.len(), 1);
    await clock.advance(5000);
    assert.equal(q.len(), 1, 'the later times were dropped');
  });

  it('addRateLimited backs off per key and forget starts over', async () => {
    const { q, clock } = queue();
    q.addRateLimited('k');
    assert.equal(q.len(), 0);
    await clock.advance(5);
    assert.equal(await take(q), 'k');
    q.done('k');
    q.addRateLimited('k');
    await clock.advance(9);
    assert.equal(q.len(), 0);
    await clock.advance(1);
    assert.equal(q.len(), 1);
    assert.equal(q.numRequeues('k'), 2);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
  });

  it('shutDown wakes waiting workers, drops delayed keys and refuses new ones', async () => {
    const { q, clock } = queue();
    const waiting = q.get();
    q.addAfter('later', 100);
    q.shutDown();
    assert.deepEqual(await waiting, { shutdown: true });
    q.add('new');
    await clock.advance(1000);
    assert.equal(q.len(), 0);
    assert.equal(clock.pendingTimers, 0);
    assert.deepEqual(await q.get(), { shutdown: true });
  });

  it('shutDownWithDrain waits for keys in progress', async () => {
    const { q } = queue();
    q.add('a');
    await take(q);
    let drained = false;
    const p = q.shutDownWithDrain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false);
    q.done('a');
    await p;
    assert.equal(drained, true);
  });
});
