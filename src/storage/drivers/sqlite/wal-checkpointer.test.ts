import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function walDb(name: string) {
  const path = join(dir, name);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v BLOB)');
  return { path, db };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('checkpoints inline under light load, with no thread', async () => {
  const { path, db } = walDb('light.db');
  const reports: [number, number][] = [];
  let inline = 0;
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  // The time budget is generous here: this is about what a small WAL decides, not about
  // how fast the machine's disk syncs (a loaded CI disk can take over 4 ms).
  const c = new WalCheckpointer(path, () => (inline++, checkpoint.get() as { log: number; checkpointed: number }), {
    onCheckpoint: (frames, copied) => reports.push([frames, copied]),
    onError: (message) => assert.fail(message),
  }, { inlineIntervalMs: 50, inlineBudgetMs: 10_000 });
  try {
    await sleep(120);
    assert.equal(inline, 0, 'nothing committed, nothing to checkpoint');
    db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(100));
    c.noteCommit();
    await sleep(120);
    assert.equal(inline, 1);
    assert.equal(c.threaded, false);
    const [frames, copied] = reports.at(-1)!;
    assert.ok(frames > 0 && copied === frames, `all ${frames} frames copied (${copied})`);
  } finally {
    await c.stop();
    db.close();
  }
});

it('starts the thread for a WAL too large to copy inline, or a nudge, and it checkpoints', async () => {
  const { path, db } = walDb('heavy.db');
  let reports = 0;
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const c = new WalCheckpointer(path, () => checkpoint.get() as { log: number; checkpointed: number }, {
    onCheckpoint: () => reports++,
    onError: (message) => assert.fail(message),
  }, { inlineIntervalMs: 50, intervalMs: 20 });
  try {
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    // More than the inline pass takes on (1,024 frames of 4 KB).
    for (let i = 0; i < 1500; i++) {
      insert.run(Buffer.alloc(4000));
      c.noteCommit();
    }
    await sleep(120);
    assert.equal(c.threaded, true);
    const before = reports;
    await sleep(300);
    assert.ok(reports > before, 'the thread reports checkpoints');
  } finally {
    await c.stop();
    db.close();
  }
  const { path: p2, db: db2 } = walDb('nudge.db');
  const c2 = new WalCheckpointer(p2, () => ({ log: 0, checkpointed: 0 }), { onCheckpoint() {}, onError: (m) => assert.fail(m) });
  try {
    c2.nudge();
    assert.equal(c2.threaded, true);
  } finally {
    await c2.stop();
    db2.close();
  }
});
