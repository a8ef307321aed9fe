import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runBackendContract } from '../../contract.test-suite.js';
import { SqliteBackend } from './sqlite-backend.js';
import { WalIndex } from './wal-index.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runBackendContract('sqlite', async (options) =>
  SqliteBackend.open({ path: join(dir, `contract-${n++}.db`), autoCompaction: false, ...options }),
);

// The same contract with every group commit applied by the writer thread.
runBackendContract('sqlite (writer thread)', async (options) =>
  SqliteBackend.open({ path: join(dir, `contract-${n++}.db`), autoCompaction: false, writerThread: 'always', ...options }),
);

// ---- what only the SQLite driver promises ----

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StorageError } from '../../errors.js';
import { silentLogger } from '../../../util/logger.js';

const enc = (s: string) => new TextEncoder().encode(s);

async function expectCode(fn: () => unknown, code: string): Promise<StorageError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof StorageError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('sqlite driver', () => {
  it('checkpoints its WAL when the process runs from another directory', async () => {
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (fields: Record<string, unknown>, message: string) => errors.push(`${message}: ${String(fields['err'])}`) };
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      // A WAL over its (here tiny) bound asks the checkpoint thread for a pass; a failure to load SQLite in it is logged.
      const b = SqliteBackend.open({ path: join(dir, 'elsewhere.db'), autoCompaction: false, logger, walLimitBytes: 4096 });
      for (let i = 0; i < 200; i++) await b.create(`/e/${i}`, enc('v'));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await b.close();
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(errors, []);
  });

  it('lets no read see a write before the write is acknowledged (durable)', async () => {
    const b = SqliteBackend.open({ path: join(dir, 'durable-reads.db'), autoCompaction: false });
    try {
      for (let i = 0; i < 20; i++) {
        const order: string[] = [];
        const write = b.create(`/d/${i}`, enc('v')).then(() => order.push('ack'));
        // The batch commits in this turn's setImmediate; its fsync may still be running.
        await new Promise((resolve) => setImmediate(resolve));
        const read = b.get(`/d/${i}`).then(() => order.push('read'));
        const listed = b.list('/d/').then((l) => order.push(l.items.length === i + 1 ? 'list' : `list of ${l.items.length}`));
        await Promise.all([write, read, listed]);
        assert.deepEqual(order, ['ack', 'read', 'list']);
      }
    } finally {
      await b.close();
    }
  });

  it('lets no read see a write before it is acknowledged while batches queue at the writer thread', async () => {
    const b = SqliteBackend.open({ path: join(dir, 'durable-reads-thread.db'), autoCompaction: false, writerThread: 'always' });
    try {
      const acked = new Set<string>();
      const checks: Promise<void>[] = [];
      const writes: Promise<unknown>[] = [];
      for (let turn = 0; turn < 30; turn++) {
        // A group per turn: several batches are out at once, and reads arrive between them.
        for (let i = 0; i < 10; i++) {
          const key = `/t/${turn}/${i}`;
          writes.push(b.create(key, enc('v')).then(() => acked.add(key)));
        }
        await new Promise((resolve) => setImmediate(resolve));
        checks.push(
          b.list('/t/').then((l) => {
            for (const kv of l.items) assert.ok(acked.has(kv.key), `${kv.key} was read before its write was acknowledged`);
          }),
        );
      }
      await Promise.all([...writes, ...checks]);
      assert.equal((await b.list('/t/')).items.length, 300);
      assert.equal(await b.currentRevision(), 300);
    } finally {
      await b.close();
    }
  });

  it('moves group commits to the writer thread when many writes meet a busy event loop, and back when quiet', async () => {
    const path = join(dir, 'writer-modes.db');
    const b = SqliteBackend.open({ path, autoCompaction: false, writerThreadIdleMs: 1000 });
    let last = 0;
    try {
      await b.create('/m/first', enc('0'));
      assert.equal(b.writesThreaded, false, 'a lone write stays on the main thread');
      // Many writes a second while the event loop is busy with other work (as an API
      // server's is, parsing requests): 64 writers at once, round after round.
      const busy = setInterval(() => {
        const until = performance.now() + 6;
        while (performance.now() < until);
      }, 10);
      let rounds = 0;
      // By time, not by rounds: the load is judged once a second, and a fast machine
      // writes hundreds of rounds within one.
      const deadline = performance.now() + 10_000;
      try {
        for (; performance.now() < deadline && !b.writesThreaded; rounds++) await Promise.all(Array.from({ length: 64 }, (_, i) => b.create(`/m/a${rounds}-${i}`, enc(String(i)))));
      } finally {
        clearInterval(busy);
      }
      assert.equal(b.writesThreaded, true, 'the writer thread took over');
      const revs = await Promise.all(Array.from({ length: 64 }, (_, i) => b.create(`/m/b${i}`, enc(String(i)))));
      const base = 1 + rounds * 64;
      assert.deepEqual([...revs].sort((x, y) => x - y), Array.from({ length: 64 }, (_, i) => base + 1 + i), 'numbering continues without a gap');
      const updated = await b.update('/m/b0', enc('x'), revs[0]!);
      assert.equal(updated, base + 65);
      const deleted = await b.delete('/m/b1');
      assert.equal(new TextDecoder().decode(deleted.prev.value), '1');
      await expectCode(() => b.create('/m/b2', enc('again')), 'KeyExists');
      for (let i = 0; i < 200 && b.writesThreaded; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(b.writesThreaded, false, 'the thread ended after a quiet spell');
      assert.equal(await b.create('/m/last', enc('z')), base + 67, 'and the main thread numbers on from the thread');
      assert.equal((await b.list('/m/')).items.length, 1 + rounds * 64 + 64 - 1 + 1);
      last = base + 67;
    } finally {
      await b.close();
    }
    const reopened = SqliteBackend.open({ path, autoCompaction: false });
    try {
      assert.equal(await reopened.currentRevision(), last);
      assert.equal(new TextDecoder().decode((await reopened.get('/m/b0')).value), 'x');
    } finally {
      await reopened.close();
    }
  });

  it('keeps data, revisions and the compaction mark across reopen', async () => {
    const path = join(dir, 'reopen.db');
    const a = SqliteBackend.open({ path, autoCompaction: false });
    const r1 = await a.create('/k/a', enc('1'));
    const r2 = await a.update('/k/a', enc('2'), r1);
    const r3 = (await a.delete('/k/a')).revision;
    await a.create('/k/b', enc('b'));
    await a.compact(r2);
    await a.close();
    const b = SqliteBackend.open({ path, autoCompaction: false });
    try {
      assert.equal(await b.currentRevision(), r3 + 1);
      assert.equal(await b.compactRevision(), r2);
      await expectCode(() => b.get('/k/a', { atRevision: r1 }), 'Compacted');
      assert.equal(new TextDecoder().decode((await b.get('/k/a', { atRevision: r2 })).value), '2');
      // a new write continues the revision sequence
      assert.equal(await b.create('/k/c', enc('c')), r3 + 2);
    } finally {
      await b.close();
    }
  });

  it('a second process cannot open a store that is in use', async () => {
    const path = join(dir, 'locked.db');
    const owner = SqliteBackend.open({ path, autoCompaction: false });
    try {
      await owner.create('/k', enc('v'));
      const script = `
        import { SqliteBackend } from ${JSON.stringify(new URL('./sqlite-backend.ts', import.meta.url).href)};
        try { SqliteBackend.open({ path: ${JSON.stringify(path)} }); console.log('opened'); }
        catch (e) { console.log(e.code + ': ' + e.message); }`;
      const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.match(out.stdout, /^Locked: .*in use by another process/, out.stderr);
      // and the owner is unharmed
      assert.equal(new TextDecoder().decode((await owner.get('/k')).value), 'v');
    } finally {
      await owner.close();
    }
  });

  it('refuses garbage, truncated and foreign files with a clear error', async () => {
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, Buffer.alloc(8192, 0x5a));
    const e1 = await expectCode(() => SqliteBackend.open({ path: garbage }), 'Corrupt');
    assert.match(e1.message, /not a usable Skiff SQLite store/);
    assert.equal(readFileSync(garbage).every((b) => b === 0x5a), true, 'the file was not touched');

    const truncated = join(dir, 'truncated.db');
    const t = SqliteBackend.open({ path: truncated, autoCompaction: false });
    for (let i = 0; i < 2000; i++) await t.create(`/k/${i}`, new Uint8Array(512));
    await t.close();
    const size = statSync(truncated).size;
    truncateSync(truncated, Math.floor(size / 2 / 4096) * 4096 + 100);
    await expectCode(() => SqliteBackend.open({ path: truncated }), 'Corrupt');
    truncateSync(truncated, Math.floor(size / 2 / 4096) * 4096);
    await expectCode(() => SqliteBackend.open({ path: truncated }), 'Corrupt');

    const foreign = join(dir, 'foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE users (id INTEGER PRIMARY KEY)');
    other.close();
    const e3 = await expectCode(() => SqliteBackend.open({ path: foreign }), 'Corrupt');
    assert.match(e3.message, /not a Skiff store/);
  });

  it('compaction removes superseded rows, lets writes through between batches; the WAL stays bounded', async () => {
    const path = join(dir, 'compaction.db');
    const walLimitBytes = 2 * 1024 * 1024;
    const store = SqliteBackend.open({ path, autoCompaction: false, compactionBatchRows: 200, walLimitBytes });
    let rev = await store.create('/hot', new Uint8Array(4096));
    // Far more WAL traffic than the limit: checkpoints must keep the file near it.
    let largestWal = 0;
    for (let i = 0; i < 5000; i++) {
      rev = await store.update('/hot', new Uint8Array(4096), rev);
      if (i % 100 === 0) largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
    }
    assert.ok(largestWal < 3 * walLimitBytes, `WAL bounded (largest ${largestWal} bytes)`);
    for (let i = 0; i < 100; i++) await store.delete(`/gone/${i}`).catch(() => store.create(`/gone/${i}`, enc('x')));
    for (let i = 0; i < 100; i++) await store.delete(`/gone/${i}`);
    const target = await store.currentRevision();
    let compactionDone = false;
    const compaction = store.compact(target).then(() => (compactionDone = true));
    // A write issued during compaction completes while compaction is still running.
    await store.create('/during', enc('x'));
    assert.equal(compactionDone, false, 'the write waited for the whole compaction');
    await compaction;
    assert.equal(new TextDecoder().decode((await store.get('/during')).value), 'x');
    // The checkpointer (a worker thread) catches up after the compaction's burst; on a
    // loaded machine that can take a moment, so the bound is awaited, not sampled once.
    const deadline = Date.now() + 20_000;
    while (statSync(`${path}-wal`).size >= 3 * walLimitBytes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(statSync(`${path}-wal`).size < 3 * walLimitBytes, `WAL bounded after compaction (${statSync(`${path}-wal`).size} bytes)`);
    await store.close();
    const db = new Database(path, { readonly: true });
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM kv').get() as { n: number }).n;
    db.close();
    assert.equal(rows, 2, 'only the live /hot row and /during remain');
  });

  it('a long compaction beside busy writers lets the WAL start over again and again', async () => {
    const path = join(dir, 'compaction-restarts.db');
    const walLimitBytes = 2 * 1024 * 1024;
    const store = SqliteBackend.open({ path, autoCompaction: false, walLimitBytes });
    const value = new Uint8Array(1024);
    const revs = new Map<string, number>();
    const put = async (key: string) => {
      const rev = revs.get(key);
      revs.set(key, rev === undefined ? await store.create(key, value) : await store.update(key, value, rev));
    };
    for (let round = 0; round < 40; round++) await Promise.all(Array.from({ length: 500 }, (_, i) => put(`/hist/${i}`)));
    const target = await store.currentRevision();
    const index = new WalIndex(`${path}-shm`);
    let compacting = true;
    let largestFrames = 0;
    let restarts = 0;
    let writesDuring = 0;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      while (compacting) {
        await put(`/busy/${w}`);
        writesDuring++;
        const fill = index.read();
        assert.ok(fill, 'the wal-index is readable');
        if (fill.frames < largestFrames / 2) restarts++;
        largestFrames = fill.frames < largestFrames / 2 ? fill.frames : Math.max(largestFrames, fill.frames);
      }
    });
    await store.compact(target);
    compacting = false;
    await Promise.all(writers);
    index.close();
    assert.ok(writesDuring > 0, 'writes went on during compaction');
    assert.ok(restarts >= 2, `the WAL started over during compaction (${restarts} times)`);
    await store.close();
    const db = new Database(path, { readonly: true });
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM kv WHERE id <= ?').get(target) as { n: number }).n, 500, 'one row per key is left');
    db.close();
  });

  it('compacts automatically, keeping the configured window', async () => {
    const store = SqliteBackend.open({
      path: join(dir, 'auto.db'),
      autoCompaction: { intervalMs: 5, retainMs: 0, retainRevisions: 10 },
    });
    try {
      let rev = await store.create('/k', enc('0'));
      for (let i = 0; i < 50; i++) rev = await store.update('/k', enc(String(i)), rev);
      const deadline = Date.now() + 10_000;
      while ((await store.compactRevision()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const compactedTo = await store.compactRevision();
      assert.ok(compactedTo > 0, 'compacted');
      assert.ok(compactedTo <= rev - 10, `kept the last 10 revisions (compacted to ${compactedTo}, head ${rev})`);
    } finally {
      await store.close();
    }
  });

  it('fails every operation clearly after close', async () => {
    const store = SqliteBackend.open({ path: join(dir, 'closed.db'), autoCompaction: false });
    const stream = store.watch('/', 0);
    await store.close();
    await expectCode(() => store.create('/k', enc('v')), 'Closed');
    await expectCode(() => store.get('/k'), 'Closed');
    await expectCode(async () => {
      for await (const _ of stream) void _;
    }, 'Closed');
  });
});
