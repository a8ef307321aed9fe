import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { StoredObject } from '../api/object.js';
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
