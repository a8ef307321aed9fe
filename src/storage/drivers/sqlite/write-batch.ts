/**
 * One group commit's writes, applied in one SQLite transaction. The same code runs on the
 * store's own connection (light load) and in the writer thread (sqlite-writer-thread.ts),
 * so what it takes and gives back is plain data that crosses between threads: the
 * outcome of each write, never a contract error object or a watch event (the store
 * builds those from the outcomes).
 */
import type { Database, Statement } from 'better-sqlite3';

export type WriteOp =
  | { kind: 'create'; key: string; value: Uint8Array }
  | { kind: 'update'; key: string; value: Uint8Array; expected: number }
  | { kind: 'delete'; key: string; expected: number | undefined };

/** What one write did. prevValue: the replaced value of a delete, or of an update when asked for. */
export type WriteOutcome =
  | { revision: number; createRevision: number; prevRevision: number; prevValue?: Uint8Array }
  | { refused: 'KeyExists' | 'NotFound' }
  | { refused: 'Conflict'; actual: number };

export function isRefusal(outcome: WriteOutcome): outcome is Extract<WriteOutcome, { refused: string }> {
  return 'refused' in outcome;
}

/** How many of a batch's writes were applied (each took a revision). */
export function acceptedCount(outcomes: readonly WriteOutcome[]): number {
  let n = 0;
  for (const outcome of outcomes) if (!isRefusal(outcome)) n++;
  return n;
}

const EMPTY = new Uint8Array(0);

/**
 * Settings of a connection that writes (the store's own, and the writer thread's; they
 * are per connection). Commits write the WAL without syncing it: the store fsyncs it
 * after each commit, off the event loop. Checkpoints run beside the writers
 * (wal-checkpointer.ts), never inside a commit. The WAL file is reused from its start
 * after each complete checkpoint rather than truncated: truncating a large file inside a
 * commit stalled writers.
 */
export function tuneWriterConnection(db: Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('journal_size_limit = -1');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('cache_size = -65536');
}

interface CurrentRow {
  rev: number;
  create_revision: number;
}

export class BatchWriter {
  private readonly current: Statement<[string], CurrentRow>;
  private readonly valueOf: Statement<[number], { value: Buffer }>;
  private readonly insertLog: Statement<[number, string, number, number, number, Uint8Array]>;
  private readonly insertCurrent: Statement<[string, number, number]>;
  private readonly updateCurrent: Statement<[number, string]>;
  private readonly deleteCurrent: Statement<[string]>;
  private readonly inTransaction: (ops: readonly WriteOp[], revision: number, wantPrev: boolean) => WriteOutcome[];

  constructor(db: Database) {
    this.current = db.prepare(`SELECT rev, create_revision FROM current WHERE name = ?`);
    this.valueOf = db.prepare(`SELECT value FROM kv WHERE id = ?`);
    this.insertLog = db.prepare(`INSERT INTO kv (id, name, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)`);
    this.insertCurrent = db.prepare(`INSERT INTO current (name, rev, create_revision) VALUES (?, ?, ?)`);
    this.updateCurrent = db.prepare(`UPDATE current SET rev = ? WHERE name = ?`);
    this.deleteCurrent = db.prepare(`DELETE FROM current WHERE name = ?`);
    this.inTransaction = db.transaction((ops: readonly WriteOp[], revision: number, wantPrev: boolean) => {
      const outcomes: WriteOutcome[] = [];
      for (const op of ops) {
        const outcome = this.applyOne(op, revision + 1, wantPrev);
        if (!isRefusal(outcome)) revision++;
        outcomes.push(outcome);
      }
      return outcomes;
    });
  }

  /**
   * Applies `ops` in order in one transaction, numbering the accepted ones from
   * `revision` + 1. A refused write (exists, missing, conflict) refuses only itself; a
   * SQLite failure throws and applies nothing.
   */
  apply(ops: readonly WriteOp[], revision: number, wantPrev: boolean): WriteOutcome[] {
    return this.inTransaction(ops, revision, wantPrev);
  }

  private applyOne(op: WriteOp, rev: number, wantPrev: boolean): WriteOutcome {
    const cur = this.current.get(op.key);
    if (op.kind === 'create') {
      if (cur) return { refused: 'KeyExists' };
      this.insertLog.run(rev, op.key, 0, rev, 0, op.value);
      this.insertCurrent.run(op.key, rev, rev);
      return { revision: rev, createRevision: rev, prevRevision: 0 };
    }
    if (!cur) return { refused: 'NotFound' };
    if (op.expected !== undefined && cur.rev !== op.expected) return { refused: 'Conflict', actual: cur.rev };
    if (op.kind === 'update') {
      this.insertLog.run(rev, op.key, 0, cur.create_revision, cur.rev, op.value);
      this.updateCurrent.run(rev, op.key);
      // The previous value is only needed by live watchers; the store asks only when it has some.
      const prevValue = wantPrev ? this.valueOf.get(cur.rev)!.value : undefined;
      return { revision: rev, createRevision: cur.create_revision, prevRevision: cur.rev, ...(prevValue ? { prevValue } : {}) };
    }
    const prevValue = this.valueOf.get(cur.rev)!.value;
    this.insertLog.run(rev, op.key, 1, cur.create_revision, cur.rev, EMPTY);
    this.deleteCurrent.run(op.key);
    return { revision: rev, createRevision: cur.create_revision, prevRevision: cur.rev, prevValue };
  }
}
