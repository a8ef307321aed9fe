import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { StoredObject } from '../api/object.js';
import type { WatchStream } from '../storage/backend.js';
import { SqliteBackend } from '../storage/drivers/sqlite/sqlite-backend.js';
import { silentLogger } from '../util/logger.js';
import { everything } from './registry/filter.js';
import { WatchCache, type ObjectEvent } from './watch-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-watch-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const decode = (kv: { value: Uint8Array; modRevision: number }): StoredObject => {
  const obj = JSON.parse(Buffer.from(kv.value).toString('utf8')) as StoredObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
};
const value = (name: string) => Buffer.from(JSON.stringify({ metadata: { name } }));

/** The next `n` events, leaving the watch open (a for-await loop would close it on break). */
async function take(queue: { next(): Promise<IteratorResult<ObjectEvent>> }, n: number): Promise<ObjectEvent[]> {
  const out: ObjectEvent[] = [];
  while (out.length < n) {
    const r = await queue.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

it('a watch older than the window replays storage, then shares the cache’s live events: no gap, no repeat', async () => {
  const storage = SqliteBackend.open({ path: join(dir, 'join.db'), autoCompaction: false });
  const cache = new WatchCache(storage, { prefix: '/registry/configmaps/', decode }, silentLogger);
  try {
    for (let i = 0; i < 5; i++) await storage.create(`/registry/configmaps/ns/a${i}`, value(`a${i}`));
    // The cache starts here: history before this revision is not in its window.
    const current = await cache.watch({ prefix: '/registry/configmaps/', filter: everything, fromRevision: undefined });
    for (let i = 0; i < 5; i++) await storage.create(`/registry/configmaps/ns/b${i}`, value(`b${i}`));
    const old = await cache.watch({ prefix: '/registry/configmaps/', filter: everything, fromRevision: 1 });
    // Writes while the old watch is still replaying.
    const writes = (async () => {
      for (let i = 0; i < 5; i++) await storage.create(`/registry/configmaps/ns/c${i}`, value(`c${i}`));
    })();
    const events = await take(old, 14);
    await writes;
    assert.deepEqual(
      events.map((e) => e.object.metadata.name),
      ['a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4', 'c0', 'c1', 'c2', 'c3', 'c4'],
    );
    const revisions = events.map((e) => e.revision);
    assert.deepEqual(revisions, [...revisions].sort((a, b) => a - b));
    // Live events after joining are the very objects the cache hands every watcher.
    const [liveOld] = await Promise.all([take(old, 1), storage.create('/registry/configmaps/ns/d0', value('d0'))]);
    const liveCurrent = (await take(current, 16)).at(-1)!;
    assert.equal(liveOld[0]!.object.metadata.name, 'd0');
    assert.equal(liveOld[0]!.object, liveCurrent.object);
    current.close();
    old.close();
  } finally {
    cache.stop();
    await storage.close();
  }
});

/** The storage with each watch stream replaced by `wrap` of it (other members as they are). */
function withWatch(storage: SqliteBackend, wrap: (stream: WatchStream) => WatchStream): SqliteBackend {
  return new Proxy(storage, {
    get(target, property) {
      if (property === 'watch') return (prefix: string, from: number) => wrap(target.watch(prefix, from));
      const member = Reflect.get(target, property) as unknown;
      return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(target) : member;
    },
  });
}

it('a LIST from the cache holds every write acknowledged before it, in key order, exactly as storage at its revision', async () => {
  const storage = SqliteBackend.open({ path: join(dir, 'list.db'), autoCompaction: false });
  // The cache takes each batch at once but applies it 5 ms later: a LIST right after an
  // acknowledged write finds the cache handed the event, not yet applied, and must wait.
  const slowApply = withWatch(storage, (stream) => ({
    close: () => stream.close(),
    progress: () => stream.progress!(),
    async *[Symbol.asyncIterator]() {
      for await (const batch of stream) {
        await new Promise((r) => setTimeout(r, 5));
        yield batch;
      }
    },
  }));
  const cache = new WatchCache(slowApply, { prefix: '/registry/pods/', decode }, silentLogger);
  try {
    for (let i = 0; i < 20; i++) await storage.create(`/registry/pods/ns${i % 3}/p${(i * 7) % 20}`, value(`p${i}`));
    await storage.create('/registry/podsx/ns0/other', value('other'));
    assert.equal((await cache.list('/registry/pods/', true))!.items.length, 20);
    for (let round = 0; round < 60; round++) {
      const ns = `ns${round % 3}`;
      const key = `/registry/pods/${ns}/q${round}`;
      // Acknowledged, then listed at once: the cache has been handed the event but (as the
      // write's continuation runs first) not yet applied it; the LIST must wait for it.
      const revision = await storage.create(key, value(`q${round}`));
      if (round % 4 === 1) await storage.delete(`/registry/pods/ns${(round - 1) % 3}/q${round - 1}`);
      if (round % 5 === 2) {
        const kv = await storage.get(`/registry/pods/${ns}/p${round % 20}`).catch(() => undefined);
        if (kv) await storage.update(kv.key, value(`p-updated-${round}`), kv.modRevision);
      }
      const prefix = round % 2 ? `/registry/pods/${ns}/` : '/registry/pods/';
      const listed = (await cache.list(prefix, true))!;
      assert.ok(listed.revision >= revision, `listed at ${listed.revision}, written at ${revision}`);
      assert.ok(listed.items.some((c) => c.object.metadata.name === `q${round}`), `q${round}, acknowledged before the LIST, is missing from it`);
      const stored = await storage.list(prefix, { atRevision: listed.revision });
      assert.deepEqual(
        listed.items.map((c) => [c.object.metadata.name, c.stored.modRevision, Buffer.from(c.stored.value).toString()]),
        stored.items.map((kv) => [decode(kv).metadata.name, kv.modRevision, Buffer.from(kv.value).toString()]),
      );
    }
    // Another prefix sharing the first characters is not part of the list.
    assert.equal((await cache.list('/registry/pods/', true))!.items.filter((c) => c.object.metadata.name === 'other').length, 0);
  } catch (e) { console.error('ERR', e); throw e; } finally {
    console.error('stopping');
    cache.stop();
    console.error('closing');
    await storage.close();
    console.error('closed');
  }
});

it('a consistent LIST is left to storage when the driver cannot tell a watch’s progress; resourceVersion "0" is still served', async () => {
  const storage = SqliteBackend.open({ path: join(dir, 'noprogress.db'), autoCompaction: false });
  // As the etcd driver: watch streams that cannot say how far they have been handed changes.
  const withoutProgress = withWatch(storage, (stream) => ({ [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](), close: () => stream.close() }));
  const cache = new WatchCache(withoutProgress, { prefix: '/registry/pods/', decode }, silentLogger);
  try {
    await storage.create('/registry/pods/ns/a', value('a'));
    assert.equal(await cache.list('/registry/pods/', true), undefined);
    const any = await cache.list('/registry/pods/', false);
    assert.deepEqual(any?.items.map((c) => c.object.metadata.name), ['a']);
  } finally {
    cache.stop();
    await storage.close();
  }
});

it('a stopped cache answers no LIST', async () => {
  const storage = SqliteBackend.open({ path: join(dir, 'stopped.db'), autoCompaction: false });
  const cache = new WatchCache(storage, { prefix: '/registry/pods/', decode }, silentLogger);
  try {
    await storage.create('/registry/pods/ns/a', value('a'));
    assert.equal((await cache.list('/registry/pods/', true))?.items.length, 1);
    cache.stop();
    assert.equal(await cache.list('/registry/pods/', true), undefined);
  } finally {
    await storage.close();
  }
});
