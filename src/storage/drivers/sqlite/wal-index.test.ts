import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { WalIndex } from './wal-index.js';

it('reads the frames in the WAL and those copied, as SQLite itself reports them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-test-walindex-'));
  try {
    const db = new Database(join(dir, 'a.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v BLOB)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 50; i++) insert.run(Buffer.alloc(3000));
    const index = new WalIndex(join(dir, 'a.db-shm'));
    const before = index.read();
    assert.ok(before && before.frames > 50 && before.backfilled === 0, JSON.stringify(before));
    const [report] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    assert.deepEqual(index.read(), { frames: report!.log, backfilled: report!.checkpointed });
    // Fully copied, the next write starts the WAL over from its first frame.
    insert.run(Buffer.alloc(10));
    assert.ok(index.read()!.frames < 5);
    index.close();
    db.close();
    // Something that is not a wal-index reads as unknown, not as numbers.
    writeFileSync(join(dir, 'junk-shm'), Buffer.alloc(200, 7));
    const junk = new WalIndex(join(dir, 'junk-shm'));
    assert.equal(junk.read(), undefined);
    junk.close();
    assert.equal(new WalIndex(join(dir, 'missing-shm')).read(), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
