import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WatchEvent } from './backend.js';
import { StorageError } from './errors.js';
import { WatchQueue } from './watch-queue.js';

const ev = (revision: number): WatchEvent => ({ type: 'PUT', key: `/k/${revision}`, value: new Uint8Array(), revision, createRevision: revision });

async function drain(q: WatchQueue): Promise<{ revisions: number[]; error?: StorageError }> {
  const revisions: number[] = [];
  try {
    for await (const batch of q) revisions.push(...batch.map((e) => e.revision));
  } catch (error) {
    return { revisions, error: error as StorageError };
  }
  return { revisions };
}

test('replay pages come before live events, pulled on demand', async () => {
  const pages = [[ev(1), ev(2)], [ev(3)]];
  let pulls = 0;
  const q = new WatchQueue({ maxBufferedEvents: 10, replay: () => (pulls++, pages.shift() ?? null) });
  q.push([ev(4)]);
  assert.equal(pulls, 0, 'nothing read before the consumer asks');
  const it = q[Symbol.asyncIterator]();
  assert.deepEqual((await it.next()).value.map((e: WatchEvent) => e.revision), [1, 2]);
  assert.deepEqual((await it.next()).value.map((e: WatchEvent) => e.revision), [3]);
  assert.deepEqual((await it.next()).value.map((e: WatchEvent) => e.revision), [4]);
  q.close();
  assert.equal((await it.next()).done, true);
});

test('overflow hands over the oldest events within the bound, then fails; later pushes are dropped', async () => {
  let ended = 0;
  const q = new WatchQueue({ maxBufferedEvents: 3, onEnd: () => ended++ });
  q.push([ev(1), ev(2)]);
  q.push([ev(3), ev(4)]);
  q.push([ev(5)]);
  // The consumer does not read during the turn: behind at its end.
  await new Promise((resolve) => setImmediate(resolve));
  q.push([ev(6)]);
  const { revisions, error } = await drain(q);
  assert.deepEqual(revisions, [1, 2]);
  assert.equal(error?.code, 'WatchOverflow');
  assert.equal(ended, 1);
});

test('a consumer that reads as it goes is not cut off by a burst pushed within one turn', async () => {
  const q = new WatchQueue({ maxBufferedEvents: 3 });
  const pending = drain(q);
  for (let r = 1; r <= 8; r++) q.push([ev(r)]);
  await new Promise((resolve) => setImmediate(resolve));
  q.push([ev(9), ev(10), ev(11), ev(12)]);
  await new Promise((resolve) => setImmediate(resolve));
  q.close();
  assert.deepEqual(await pending, { revisions: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] });
});

test('a failure during replay never hands over live events (no gap)', async () => {
  const q = new WatchQueue({
    maxBufferedEvents: 10,
    replay: () => {
      throw new StorageError('Compacted', 'gone');
    },
  });
  q.push([ev(9)]);
  const { revisions, error } = await drain(q);
  assert.deepEqual(revisions, []);
  assert.equal(error?.code, 'Compacted');
});

test('close ends a waiting consumer quietly', async () => {
  const q = new WatchQueue({ maxBufferedEvents: 10 });
  const pending = drain(q);
  setImmediate(() => q.close());
  assert.deepEqual(await pending, { revisions: [] });
});

test('a waiting consumer gets each pushed batch at once, in order, and then the failure', async () => {
  const q = new WatchQueue({ maxBufferedEvents: 10 });
  const it = q[Symbol.asyncIterator]();
  const first = it.next();
  q.push([ev(1)]);
  q.push([ev(2), ev(3)]);
  assert.deepEqual((await first).value.map((e: WatchEvent) => e.revision), [1]);
  assert.deepEqual((await it.next()).value.map((e: WatchEvent) => e.revision), [2, 3]);
  const waiting = it.next();
  q.fail(new StorageError('Compacted', 'gone'));
  await assert.rejects(waiting, (err: unknown) => err instanceof StorageError && err.code === 'Compacted');
  assert.equal((await it.next()).done, true, 'the stream stays ended after its failure');
});

test('progress: unknown without the driver’s word, while history replays, and after the end; else the driver’s revision and the last queued', async () => {
  assert.equal(await new WatchQueue({ maxBufferedEvents: 10 }).progress(), undefined, 'a driver that cannot say');
  let durable = 7;
  const pages = [[ev(1), ev(2)]];
  const q = new WatchQueue({ maxBufferedEvents: 10, replay: () => pages.shift() ?? null, pushedThrough: () => durable });
  assert.equal(await q.progress(), undefined, 'history not yet handed over');
  const it = q[Symbol.asyncIterator]();
  await it.next();
  q.push([ev(3)]);
  // The last replayed page is taken, but the replay's end is only seen on the next pull.
  assert.equal(await q.progress(), undefined);
  await it.next();
  assert.deepEqual(await q.progress(), { revision: 7, lastQueued: 3 });
  q.push([ev(8)]);
  durable = 8;
  assert.deepEqual(await q.progress(), { revision: 8, lastQueued: 8 });
  q.close();
  assert.equal(await q.progress(), undefined, 'ended');
});
