/**
 * The embedded store: the Backend contract on one SQLite file (better-sqlite3, WAL).
 *
 * Durability: a write is acknowledged only after its commit is fsynced. Throughput comes
 * from group commit: writes arriving in the same event-loop turn are queued and applied
 * in one transaction with one fsync (each keeps its own revision and its own outcome).
 * The fsync runs on libuv's thread pool rather than inside SQLite's commit
 * (synchronous=NORMAL, then fdatasync of the WAL file), so the event loop goes on parsing,
 * validating and encoding while the disk flushes; the writes that arrive meanwhile form
 * the next group. Until that fsync ends nothing else is committed, and reads wait for
 * it, so no reader ever sees a write that a crash could still take back.
 *
 * Under load the statements and the commit move off the event loop too: a writer
 * thread with its own connection (writer-thread.ts) applies each group and fsyncs it,
 * while this thread parses the next requests. It starts when writes come many a second
 * and ends after a quiet half minute; light load stays on this connection, which spares
 * an idle server the thread's memory.
 *
 * One process per file: a sidecar lock (process-lock.ts) makes a second opener fail
 * with a clear Locked error. Checkpoints run in a worker thread so they never stall
 * the event loop. Because this process is the only writer, watches are served from
 * memory after each commit, with history replayed from the log on demand.
 */
import Database from 'better-sqlite3';
import { sqliteNativeBinding } from './native-binding.js';
import type { Database as Db, Statement } from 'better-sqlite3';
import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';
import type {
  Backend,
  DeleteResult,
  GetOptions,
  KeyValue,
  ListOptions,
  ListResult,
  WatchEvent,
  WatchStream,
} from '../../backend.js';
import {
  StorageError,
  closed,
  compacted,
  conflict,
  futureRevision,
  keyExists,
  keyNotFound,
} from '../../errors.js';
import { checkKey, checkPrefix, checkRevision, checkValue, prefixEnd } from '../../limits.js';
import { DEFAULT_MAX_BUFFERED_EVENTS, WatchQueue } from '../../watch-queue.js';
import { DEFAULT_RETENTION, RevisionHistory, type RetentionWindow } from '../../compaction-policy.js';
import { type Logger, silentLogger } from '../../../util/logger.js';
import { checkDatabaseFile } from './file-check.js';
import { ensureSchema } from './schema.js';
import { acquireProcessLock, type ProcessLock } from './process-lock.js';
import { parseListRecords } from './list-records.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { type WalFill, WalIndex } from './wal-index.js';
import { acceptedCount, BatchWriter, isRefusal, tuneWriterConnection, type WriteOp, type WriteOutcome } from './write-batch.js';
import { WriterThread, type BatchResult } from './writer-thread.js';

export interface SqliteBackendOptions {
  path: string;
  /** Per-watch buffer before a slow consumer is cut off (WatchOverflow). */
  maxBufferedEvents?: number;
  /** Automatic compaction; false turns it off (tests that inspect history). */
  autoCompaction?: false | (RetentionWindow & { intervalMs: number });
  /** Rows examined per compaction transaction; small batches keep writer stalls short. */
  compactionBatchRows?: number;
  /** Past this WAL size, writes pause until the checkpointer has copied it all. */
  walLimitBytes?: number;
  logger?: Logger;
  now?: () => number;
  /**
   * Where group commits are applied: 'auto' (default) moves them to the writer thread
   * under load, 'always' and 'never' pin them (tests of each path).
   */
  writerThread?: 'auto' | 'always' | 'never';
  /** 'auto': the writer thread ends after this long without a busy second. */
  writerThreadIdleMs?: number;
}

/** Keys sort below this: every key is printable ASCII (≤ 0x7e). */
const KEY_CEILING = '\x7f';
const REPLAY_PAGE_ROWS = 1000;
/** Target duration of one compaction transaction (writers wait at most about this long). */
const COMPACTION_BATCH_BUDGET_MS = 4;
/**
 * Target WAL frames per compaction transaction: the next writers' fsync carries them
 * (about 1 ms per megabyte on an ordinary SSD), so a batch's frames show up in their latency.
 */
const COMPACTION_BATCH_FRAMES = 256;
const COMPACTION_MIN_BATCH_ROWS = 16;
/**
 * After each compaction batch, compaction rests this many times as long as the batch
 * took while the checkpointer copies the batch's pages. Compaction writes about a page
 * per removed row, twice (WAL, then database); unpaced, that saturated the disk and
 * writers' WAL fsyncs queued behind the checkpointer's database fsyncs (p90 20 ms, worst
 * 30–300 ms for 300,000 rows here). Resting three times the batch time and copying after
 * every batch brought the worst write to 15–20 ms and let writers do four times as many
 * writes meanwhile, for a compaction about 1.5 times longer (still far faster than any
 * write rate it must keep up with).
 */
const COMPACTION_REST_FACTOR = 3;
/** The WAL starts over (writes held for one checkpoint pass) once at most this many frames wait to be copied. */
const RESTART_BACKLOG_FRAMES = 48;
const DEFAULT_WAL_LIMIT_BYTES = 64 * 1024 * 1024;
/** Never hold writes longer than this, even if the checkpointer is stuck. */
const WAL_HOLD_MAX_MS = 2000;
const EMPTY = Buffer.alloc(0);
/** Rows per one-blob list page: at the largest values (1.5 MB) a page stays under SQLite's 1 GB value cap. */
const LIST_PAGE_ROWS = 512;

/**
 * The writer thread starts after a second with this many writes (a start-up burst, such
 * as a whole server's bootstrap objects, stays below it: an idle server keeps no thread)...
 */
const THREAD_START_WRITES_PER_S = 500;
/**
 * ...while the event loop was busy this share of the second with work other than the
 * commits themselves. Only then does moving the commits away let it do more: a caller
 * that mostly waits for its writes (the storage benchmark's 64 writers) lost 10-15% of
 * its rate to the hops.
 */
const THREAD_START_OTHER_WORK = 0.4;
/**
 * While it runs, groups at least this large go to the thread; smaller ones (a lone
 * write) are applied here when nothing is out: the hops to the thread and back cost a
 * lone write more latency than the thread saves this thread.
 */
const THREAD_MIN_BATCH = 4;
/** The thread ends after this long without a second that busy. */
const THREAD_IDLE_MS = 30_000;
/** At most this many batches out to the writer thread at once. */
const MAX_THREAD_BATCHES_OUT = 4;

interface PendingWrite {
  op: WriteOp;
  resolve: (result: number | DeleteResult) => void;
  reject: (err: unknown) => void;
}

interface ValueRow {
  name: string;
  rev: number;
  create_revision: number;
  value: Buffer;
}
interface LogRow {
  id: number;
  name: string;
  deleted: number;
  create_revision: number;
  value: Buffer;
  prev_value: Buffer | null;
}

interface Watcher {
  queue: WatchQueue;
  /** Only events with a revision above this are delivered live. */
  after: number;
}

function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Maps SQLite failures to contract errors; passes StorageErrors through. */
function toStorageError(err: unknown, path: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StorageError('Locked', `${path} is in use by another process (${message}); only one Skiff server may open a SQLite store`, {}, { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
    return new StorageError('Corrupt', `${path} is damaged: ${message}; refusing to continue`, {}, { cause: err });
  }
  return new StorageError('Unavailable', `sqlite store ${path}: ${message}`, {}, { cause: err });
}

export class SqliteBackend implements Backend {
  private readonly db: Db;
  private readonly path: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly maxBufferedEvents: number;
  private readonly compactionBatchRows: number;
  private readonly walLimitBytes: number;
  /** Compaction lets the WAL start over each time it holds this much (a quarter of the limit). */
  private readonly compactionWalBytes: number;

  private revision: number;
  /** The newest revision whose commit is fsynced (equal to `revision` except during a sync). */
  private durableRevision: number;
  private compactedRevision: number;
  private compactedTo: number;
  private isClosed = false;
  private readonly lock: ProcessLock;
  private readonly checkpointer: WalCheckpointer;
  /** Set while writes wait for the checkpointer to catch up with a WAL over its bound. */
  private walHoldSince: number | undefined;
  private flushesSinceWalCheck = 0;
  private checkpointWaiters: (() => void)[] = [];
  /** From the checkpointer's last report: frames in the WAL, and those not yet copied. */
  private walFrames = 0;
  private walBacklog = 0;
  /** The WAL file's size when it last started over (it is reused, never truncated). */
  private walExtentAtRestart = 0;
  private readonly walFrameBytes: number;
  private readonly walIndex: WalIndex;
  /** Set when the WAL should start over at the next chance (see restartWalIfCaughtUp). */
  private restartWanted = false;
  private readonly checkpointInline: () => { busy: number; log: number; checkpointed: number };

  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly writer: BatchWriter;
  private readonly writerMode: 'auto' | 'always' | 'never';
  private readonly writerThreadIdleMs: number;
  private writerThread: WriterThread | undefined;
  /** Batches out to the writer thread; `syncing` stays set until none is, then this resolves it. */
  private threadBatchesOut = 0;
  private threadDrained: (() => void) | undefined;
  /** Reads (and compaction) waiting for everything committed to be durable. */
  private durabilityWaiters = 0;
  /** Writes applied since the last load tick, and when a second was last busy. */
  private writesThisSecond = 0;
  private commitMsThisSecond = 0;
  private loopUsage = performance.eventLoopUtilization();
  private lastBusy = 0;
  private readonly loadTimer: NodeJS.Timeout | undefined;
  /** The WAL file, fsynced after each commit (see the header). */
  private walFd: number;
  private walIno: number;
  /** Set while a committed batch waits for its fsync; resolves when it is durable. */
  private syncing: Promise<void> | undefined;
  /** Set if an fsync failed: nothing more is acknowledged (the page cache can no longer be trusted). */
  private syncFailure: StorageError | undefined;
  private closing: Promise<void> | undefined;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private compaction: Promise<void> = Promise.resolve();
  private readonly history: RevisionHistory | undefined;
  private readonly autoCompactTimer: NodeJS.Timeout | undefined;

  private readonly stmt: {
    currentWithValue: Statement<[string], ValueRow>;
    valueAt: Statement<[string, number], ValueRow & { deleted: number }>;
    listCurrent: Statement<[string, string, number], ValueRow>;
    listCurrentRecords: Statement<[string, string, number], Buffer | null>;
    listAt: Statement<[number, string, string, number], ValueRow>;
    count: Statement<[string, string], { n: number }>;
    replay: Statement<[number, number, string, string, number], LogRow>;
    compactScan: Statement<[number, number, number], { id: number; deleted: number; prev_revision: number }>;
    deleteRow: Statement<[number]>;
    setMeta: Statement<[number, string]>;
  };

  private constructor(options: SqliteBackendOptions) {
    this.path = options.path;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.maxBufferedEvents = options.maxBufferedEvents ?? DEFAULT_MAX_BUFFERED_EVENTS;
    this.compactionBatchRows = options.compactionBatchRows ?? 250;
    this.walLimitBytes = options.walLimitBytes ?? DEFAULT_WAL_LIMIT_BYTES;
    this.compactionWalBytes = this.walLimitBytes / 4;

    checkDatabaseFile(this.path);
    this.lock = acquireProcessLock(this.path);
    let db: Db | undefined;
    try {
      db = new Database(this.path, { timeout: 5000, nativeBinding: sqliteNativeBinding });
      // (Checkpoints, in their own connection, still sync the WAL and the database.)
      tuneWriterConnection(db);
      db.exec('BEGIN IMMEDIATE');
      ensureSchema(db, this.path);
      db.exec('COMMIT');
      // The connection keeps the WAL file open (and in place) from its first transaction on.
      this.walFd = openSync(`${this.path}-wal`, 'r');
      this.walIno = fstatSync(this.walFd).ino;
    } catch (err) {
      db?.close();
      this.lock.release();
      throw toStorageError(err, this.path);
    }
    this.db = db;
    // A WAL frame is a page plus its 24-byte header.
    this.walFrameBytes = (db.pragma('page_size', { simple: true }) as number) + 24;
    this.walIndex = new WalIndex(`${this.path}-shm`);
    const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
    this.checkpointInline = () => checkpoint.get() as { busy: number; log: number; checkpointed: number };
    this.checkpointer = new WalCheckpointer(this.path, () => checkpoint.get() as { log: number; checkpointed: number }, {
      onCheckpoint: (frames, copied) => {
        this.walFrames = frames;
        this.walBacklog = frames - copied;
        if (frames === copied && this.walHoldSince !== undefined) this.releaseWalHold();
        const waiters = this.checkpointWaiters;
        this.checkpointWaiters = [];
        for (const wake of waiters) wake();
      },
      onError: (message) => this.logger.error({ err: message }, 'WAL checkpoint failed'),
    });

    this.stmt = {
      currentWithValue: db.prepare(
        `SELECT c.name, c.rev, c.create_revision, kv.value FROM current c JOIN kv ON kv.id = c.rev WHERE c.name = ?`,
      ),
      valueAt: db.prepare(
        `SELECT name, id AS rev, create_revision, value, deleted FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`,
      ),
      listCurrent: db.prepare(
        `SELECT c.name, c.rev, c.create_revision, kv.value FROM current c JOIN kv ON kv.id = c.rev
         WHERE c.name >= ? AND c.name < ? ORDER BY c.name LIMIT ?`,
      ),
      // Records for listCurrentRows: header (name bytes, value bytes, rev, create_revision
      // in fixed-width hex), name, value; one blob per page.
      listCurrentRecords: db
        .prepare(
          `SELECT CAST(group_concat(r, '') AS BLOB) FROM (
             SELECT printf('%08x%08x%016x%016x', length(CAST(c.name AS BLOB)), length(kv.value), c.rev, c.create_revision) || c.name || kv.value AS r
             FROM current c JOIN kv ON kv.id = c.rev
             WHERE c.name >= ? AND c.name < ? ORDER BY c.name LIMIT ?)`,
        )
        .pluck(true) as unknown as Statement<[string, string, number], Buffer | null>,
      // The newest row of each key at or below the revision, skipping keys deleted by then.
      listAt: db.prepare(
        `SELECT kv.name, kv.id AS rev, kv.create_revision, kv.value FROM kv
         JOIN (SELECT MAX(id) AS mid FROM kv WHERE id <= ? AND name >= ? AND name < ? GROUP BY name) m ON kv.id = m.mid
         WHERE kv.deleted = 0 ORDER BY kv.name LIMIT ?`,
      ),
      count: db.prepare(`SELECT COUNT(*) AS n FROM current WHERE name >= ? AND name < ?`),
      replay: db.prepare(
        `SELECT k.id, k.name, k.deleted, k.create_revision, k.value, p.value AS prev_value
         FROM kv k LEFT JOIN kv p ON p.id = k.prev_revision
         WHERE k.id > ? AND k.id <= ? AND k.name >= ? AND k.name < ? ORDER BY k.id LIMIT ?`,
      ),
      compactScan: db.prepare(`SELECT id, deleted, prev_revision FROM kv WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`),
      deleteRow: db.prepare(`DELETE FROM kv WHERE id = ?`),
      setMeta: db.prepare(`UPDATE meta SET v = ? WHERE k = ?`),
    };
    this.writer = new BatchWriter(db);
    this.writerMode = options.writerThread ?? 'auto';
    this.writerThreadIdleMs = options.writerThreadIdleMs ?? THREAD_IDLE_MS;
    if (this.writerMode === 'always') this.writerThread = this.startWriterThread();
    if (this.writerMode === 'auto') {
      this.loadTimer = setInterval(() => this.loadTick(), 1000);
      this.loadTimer.unref();
    }

    const meta = (k: string) => (db.prepare(`SELECT v FROM meta WHERE k = ?`).get(k) as { v: number }).v;
    const seq = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'kv'`).get() as { seq: number } | undefined;
    this.revision = seq?.seq ?? 0;
    this.durableRevision = this.revision;
    this.compactedRevision = meta('compact_revision');
    this.compactedTo = meta('compacted_to');
    if (this.compactedTo < this.compactedRevision) this.scheduleCompaction();

    const auto = options.autoCompaction ?? { ...DEFAULT_RETENTION, intervalMs: 30_000 };
    if (auto) {
      this.history = new RevisionHistory(auto);
      this.history.record(this.now(), this.revision);
      this.autoCompactTimer = setInterval(() => this.autoCompact(), auto.intervalMs);
      this.autoCompactTimer.unref();
    }
  }

  /** Opens (creating if needed) the store at `path`; fails with Locked or Corrupt. */
  static open(options: SqliteBackendOptions): SqliteBackend {
    return new SqliteBackend(options);
  }

  // ---- writes: queued, then applied in one transaction per event-loop turn ----

  create(key: string, value: Uint8Array): Promise<number> {
    checkKey(key);
    checkValue(key, value);
    return this.enqueue({ kind: 'create', key, value: toBuffer(value) }) as Promise<number>;
  }

  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<number> {
    checkKey(key);
    checkValue(key, value);
    checkRevision('expectedModRevision', expectedModRevision);
    return this.enqueue({ kind: 'update', key, value: toBuffer(value), expected: expectedModRevision }) as Promise<number>;
  }

  delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    checkKey(key);
    if (expectedModRevision !== undefined) checkRevision('expectedModRevision', expectedModRevision);
    return this.enqueue({ kind: 'delete', key, expected: expectedModRevision }) as Promise<DeleteResult>;
  }

  private enqueue(op: WriteOp): Promise<number | DeleteResult> {
    if (this.isClosed) return Promise.reject(closed());
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    // One commit at a time awaits its fsync; the callback flushes what queued meanwhile.
    // The writer thread takes a few in a row (it syncs each before applying the next),
    // except while a read waits for durability: that read runs once none is out.
    if (this.syncing && !(this.threadBatchesOut > 0 && this.threadBatchesOut < MAX_THREAD_BATCHES_OUT && this.durabilityWaiters === 0)) return;
    if (this.syncFailure) {
      for (const write of this.takePending()) write.reject(this.syncFailure);
      return;
    }
    if (this.walHoldSince !== undefined) {
      if (performance.now() - this.walHoldSince < WAL_HOLD_MAX_MS) return;
      this.walHoldSince = undefined;
    }
    if (this.writerMode === 'always' && !this.writerThread?.ready) {
      // Pinned to the thread: wait for it to open its connection (reads wait too); if
      // it cannot, writes fail rather than quietly take the other path.
      const failure = this.writerThread?.failure ?? 'it is not running';
      if (this.writerThread && !this.writerThread.failure) this.awaitBeforeNextFlush(this.writerThread.started);
      else this.failBatch(this.takePending(), new StorageError('Unavailable', `sqlite store ${this.path}: the writer thread failed (${failure})`));
      return;
    }
    const batch = this.takePending();
    if (batch.length === 0) return;
    this.writesThisSecond += batch.length;
    this.restartWalIfCaughtUp();
    const ops = batch.map((write) => write.op);
    const revision = this.revision;
    // The previous value of an update is only needed by live watchers.
    const wantPrev = this.watchers.size > 0;
    const thread = this.writerThread;
    if (thread?.ready && (this.writerMode === 'always' || this.threadBatchesOut > 0 || batch.length >= THREAD_MIN_BATCH)) {
      this.sendToThread(thread, batch, ops, wantPrev);
      return;
    }
    let outcomes: WriteOutcome[];
    const commitStart = performance.now();
    try {
      outcomes = this.writer.apply(ops, revision, wantPrev);
      this.commitMsThisSecond += performance.now() - commitStart;
    } catch (err) {
      this.failBatch(batch, toStorageError(err, this.path));
      return;
    }
    const accepted = acceptedCount(outcomes);
    if (accepted === 0) {
      // Nothing was written (every write refused): nothing to sync.
      this.settle(batch, outcomes);
      return;
    }
    this.revision = revision + accepted;
    let durable!: () => void;
    this.syncing = new Promise<void>((resolve) => (durable = resolve));
    // fdatasync: see syncWal in sqlite-writer-thread.ts.
    fdatasync(this.walFd, (err) => {
      this.syncing = undefined;
      if (err) this.failDurability(batch, err.message);
      else {
        this.durableRevision = this.revision;
        this.settle(batch, outcomes);
      }
      // Reads waiting for durability run (as microtasks) before the next commit.
      durable();
      this.flushLater();
    });
  }

  private takePending(): PendingWrite[] {
    const batch = this.pending;
    this.pending = [];
    return batch;
  }

  /** Nothing is committed, nor read, until `work` ends; then what queued meanwhile is flushed. */
  private awaitBeforeNextFlush(work: Promise<unknown>): void {
    const syncing = work.then(
      () => undefined,
      () => undefined,
    );
    this.syncing = syncing;
    void syncing.then(() => {
      if (this.syncing === syncing) this.syncing = undefined;
      this.flushLater();
    });
  }

  private flushLater(): void {
    if (this.pending.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Hands a batch to the writer thread. With none out, numbering continues from this
   * store's revision; behind others, from where they end (known to the thread alone).
   */
  private sendToThread(thread: WriterThread, batch: PendingWrite[], ops: WriteOp[], wantPrev: boolean): void {
    const revision = this.threadBatchesOut === 0 ? this.revision : undefined;
    if (this.threadBatchesOut++ === 0) {
      let drained!: () => void;
      this.syncing = new Promise<void>((resolve) => (drained = resolve));
      this.threadDrained = drained;
    }
    void thread.apply(ops, revision, wantPrev).then((result) => {
      this.finishThreaded(batch, result);
      if (--this.threadBatchesOut === 0) {
        this.syncing = undefined;
        // Reads waiting for durability run (as microtasks) before the next commit.
        this.threadDrained?.();
      }
      this.flushLater();
    });
  }

  /** A batch the writer thread applied (and fsynced), refused, or could not make durable. */
  private finishThreaded(batch: PendingWrite[], result: BatchResult): void {
    if (this.syncFailure) {
      // An earlier batch could not be made durable: nothing after it is acknowledged.
      for (const write of batch) write.reject(this.syncFailure);
      return;
    }
    if ('failure' in result) {
      const err = Object.assign(new Error(result.failure.message), { code: result.failure.code });
      this.failBatch(batch, toStorageError(err, this.path));
      return;
    }
    if ('syncFailure' in result) {
      this.failDurability(batch, result.syncFailure);
      return;
    }
    this.revision = this.durableRevision = result.revision;
    this.settle(batch, result.outcomes);
  }

  /** SQLite refused the batch's transaction: nothing of it was written. */
  private failBatch(batch: PendingWrite[], failure: StorageError): void {
    this.logger.error({ err: failure.message, writes: batch.length }, 'write batch failed');
    for (const write of batch) write.reject(failure);
  }

  /** A commit could not be made durable: nothing more is acknowledged (the page cache can no longer be trusted). */
  private failDurability(batch: PendingWrite[], why: string): void {
    this.syncFailure = new StorageError('Unavailable', `sqlite store ${this.path}: fsync of the WAL failed (${why}); writes are refused from now on`);
    this.logger.error({ err: why, writes: batch.length }, 'WAL fsync failed');
    for (const write of batch) write.reject(this.syncFailure);
  }

  /** Acknowledges a durable batch: each write's outcome, then the watchers. */
  private settle(batch: PendingWrite[], outcomes: WriteOutcome[]): void {
    const events: WatchEvent[] = [];
    batch.forEach(({ op, resolve, reject }, i) => {
      const outcome = outcomes[i]!;
      if (isRefusal(outcome)) {
        if (outcome.refused === 'Conflict') reject(conflict(op.key, (op as { expected: number }).expected, outcome.actual));
        else reject(outcome.refused === 'KeyExists' ? keyExists(op.key) : keyNotFound(op.key));
        return;
      }
      const { revision, createRevision, prevRevision, prevValue } = outcome;
      if (op.kind === 'delete') {
        const prev = prevValue ?? EMPTY;
        events.push({ type: 'DELETE', key: op.key, prevValue: prev, revision, createRevision });
        resolve({ revision, prev: { key: op.key, value: prev, createRevision, modRevision: prevRevision } });
        return;
      }
      const event: WatchEvent = { type: 'PUT', key: op.key, value: op.value, revision, createRevision };
      if (prevValue) event.prevValue = prevValue;
      events.push(event);
      resolve(revision);
    });
    if (events.length > 0) {
      this.checkpointer.noteCommit();
      this.broadcast(events);
    }
    if (++this.flushesSinceWalCheck >= 8) {
      this.flushesSinceWalCheck = 0;
      this.checkWalSize();
    }
  }

  // ---- the writer thread: started under load, ended when quiet ----

  private startWriterThread(): WriterThread {
    const thread = new WriterThread(this.path);
    void thread.started.then(() => {
      if (thread.failure) this.logger.error({ err: thread.failure }, 'the SQLite writer thread did not start; writes stay on the main thread');
      else this.logger.debug({}, 'SQLite writer thread started');
    });
    this.lastBusy = performance.now();
    return thread;
  }

  /** Whether group commits go to the writer thread now (for tests and metrics). */
  get writesThreaded(): boolean {
    return this.writerThread?.ready === true;
  }

  /**
   * Once a second: a second with many writes while the event loop was busy with other
   * work starts the thread; after a quiet spell without such a second it ends.
   */
  private loadTick(): void {
    const writes = this.writesThisSecond;
    const commitMs = this.commitMsThisSecond;
    this.writesThisSecond = 0;
    this.commitMsThisSecond = 0;
    const usage = performance.eventLoopUtilization(this.loopUsage);
    this.loopUsage = performance.eventLoopUtilization();
    const otherWork = usage.active + usage.idle > 0 ? (usage.active - commitMs) / (usage.active + usage.idle) : 0;
    const now = performance.now();
    if (writes >= THREAD_START_WRITES_PER_S && otherWork >= THREAD_START_OTHER_WORK) {
      this.lastBusy = now;
      if (!this.writerThread && !this.isClosed) this.writerThread = this.startWriterThread();
      return;
    }
    const thread = this.writerThread;
    // A thread that failed to start is not tried again until the next busy spell after a quiet one.
    if (thread && now - this.lastBusy > this.writerThreadIdleMs && !this.syncing) {
      this.writerThread = undefined;
      void thread.close();
    }
  }

  /** Resolves once no commit awaits its fsync (reads never see what is not yet durable). */
  private async durable(): Promise<void> {
    if (!this.syncing) return;
    // Counted, so that no further batch goes out to the writer thread meanwhile.
    this.durabilityWaiters++;
    try {
      while (this.syncing) await this.syncing;
    } finally {
      this.durabilityWaiters--;
    }
  }

  /** Resolves after the checkpointer's next pass (or a second, whichever is first). */
  private nextCheckpoint(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.checkpointWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.checkpointer.nudge();
    });
  }

  /**
   * The WAL starts over only once it is fully copied, which a steady stream of writes
   * never allows; past the limit, writes wait for one complete checkpoint. (The file's
   * size is no measure: it is reused, not truncated.)
   */
  private checkWalSize(): void {
    if (this.walHoldSince !== undefined) return;
    // Reports lag by up to a checkpoint interval; the file growing past its earlier
    // extent (and past the limit) is a prompt sign of the same thing.
    let fileBytes = 0;
    try {
      const st = statSync(`${this.path}-wal`);
      fileBytes = st.size;
      if (st.ino !== this.walIno) this.reopenWal();
    } catch {
      /* no WAL yet */
    }
    const fill = this.walIndex.read();
    const walBytes = (fill?.frames ?? this.walFrames) * this.walFrameBytes;
    // Without the wal-index, the file growing past its earlier extent is the prompt sign.
    const growing = !fill && fileBytes > Math.max(this.walLimitBytes, this.walExtentAtRestart);
    if (walBytes <= this.walLimitBytes && !growing) {
      // Half way to the bound, start over gently: writes wait only for the last frames.
      if (walBytes > this.walLimitBytes / 2) this.wantRestart();
      return;
    }
    // At the bound, writes wait until the checkpointer has copied everything.
    this.walExtentAtRestart = fileBytes;
    this.walHoldSince = performance.now();
    this.checkpointer.nudge();
    // Resume even if no checkpoint answers in time.
    setTimeout(() => this.releaseWalHold(), WAL_HOLD_MAX_MS);
  }

  /** SQLite keeps its WAL in place while open; should the file ever be replaced, sync the new one. */
  private reopenWal(): void {
    this.logger.warn({ path: `${this.path}-wal` }, 'the WAL file was replaced; reopening it for fsync');
    closeSync(this.walFd);
    this.walFd = openSync(`${this.path}-wal`, 'r');
    this.walIno = fstatSync(this.walFd).ino;
  }

  /** The WAL's fill: from the wal-index, else from the checkpointer's last report. */
  private walFill(): WalFill {
    return this.walIndex.read() ?? { frames: this.walFrames, backfilled: this.walFrames - this.walBacklog };
  }

  /** Asks for the WAL to start over; the checkpointer copies beside the writers meanwhile. */
  private wantRestart(): void {
    if (this.restartWanted) return;
    this.restartWanted = true;
    this.checkpointer.nudge();
  }

  /**
   * Called right before a write transaction. A steady stream of commits always leaves
   * the last frames uncopied, and the WAL only starts over when a transaction begins
   * with every frame copied. So once the checkpointer has copied all but a few frames,
   * this copies the rest on the store's own connection — a short, bounded pause — and
   * the transaction that follows reuses the WAL from its beginning. (Holding writes
   * for a round trip to the checkpointer's thread cost writers twice as long.)
   */
  private restartWalIfCaughtUp(): void {
    if (!this.restartWanted) return;
    const fill = this.walIndex.read();
    if (!fill) {
      this.restartWanted = false;
      return;
    }
    if (fill.frames * this.walFrameBytes <= this.compactionWalBytes / 4) {
      this.restartWanted = false; // it has started over
      return;
    }
    if (fill.frames - fill.backfilled > RESTART_BACKLOG_FRAMES) return;
    try {
      this.checkpointInline();
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'WAL checkpoint before restart failed');
    }
  }

  private releaseWalHold(): void {
    if (this.walHoldSince === undefined) return;
    this.walHoldSince = undefined;
    // The next commit starts the WAL over.
    this.walFrames = 0;
    this.walBacklog = 0;
    if (this.pending.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  // ---- reads: synchronous SQLite under an async contract ----

  async get(key: string, options: GetOptions = {}): Promise<KeyValue> {
    if (this.syncing) await this.durable();
    this.checkOpen();
    checkKey(key);
    const at = options.atRevision;
    if (at === undefined || at === 0 || at === this.revision) {
      const row = this.run(() => this.stmt.currentWithValue.get(key));
      if (!row) throw keyNotFound(key);
      return toKeyValue(row);
    }
    this.checkReadRevision(at);
    const row = this.run(() => this.stmt.valueAt.get(key, at));
    if (!row || row.deleted) throw keyNotFound(key);
    return toKeyValue(row);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    if (this.syncing) await this.durable();
    this.checkOpen();
    checkPrefix(prefix);
    if (options.startAfterKey !== undefined) checkKey(options.startAfterKey);
    const limit = options.limit && options.limit > 0 ? options.limit : -1;
    const upper = prefixEnd(prefix) ?? KEY_CEILING;
    // Inclusive lower bound: the prefix itself, or the first key after startAfterKey.
    const lower =
      options.startAfterKey !== undefined && options.startAfterKey >= prefix ? keyAfter(options.startAfterKey) : prefix;
    const fetch = limit < 0 ? -1 : limit + 1;
    const at = options.atRevision;
    let rows: KeyValue[];
    let revision: number;
    if (at === undefined || at === 0 || at === this.revision) {
      revision = this.revision;
      rows = this.run(() => this.listCurrentRows(lower, upper, fetch));
    } else {
      this.checkReadRevision(at);
      revision = at;
      rows = this.run(() => this.stmt.listAt.all(at, lower, upper, fetch)).map(toKeyValue);
    }
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows, revision, more };
  }

  /**
   * The live rows in [lower, upper), values as views into shared buffers (as the etcd
   * client's values are views into its response). Each page of rows comes from one
   * native call as one blob of self-describing records (a hex header with the name and
   * value lengths and the two revisions, then the name and value bytes): making a
   * Buffer per value took two thirds of a 10,000-key list, and reading keys and values
   * in two statements walked the join twice. The records carry their own keys, so their
   * order is checked rather than trusted (SQL leaves an aggregate's input order open);
   * out of order, the page is read again with the order spelled out.
   */
  private listCurrentRows(lower: string, upper: string, fetch: number): KeyValue[] {
    const rows: KeyValue[] = [];
    let from = lower;
    for (;;) {
      const want = fetch < 0 ? LIST_PAGE_ROWS : Math.min(LIST_PAGE_ROWS, fetch - rows.length);
      if (want <= 0) return rows;
      const blob = this.stmt.listCurrentRecords.get(from, upper, want) ?? EMPTY;
      let got = parseListRecords(blob, rows);
      if (got === undefined) {
        const page = this.stmt.listCurrent.all(from, upper, want);
        for (const row of page) rows.push(toKeyValue(row));
        got = page.length;
      }
      if (got < want) return rows;
      from = keyAfter(rows[rows.length - 1]!.key);
    }
  }

  async count(prefix: string): Promise<number> {
    if (this.syncing) await this.durable();
    this.checkOpen();
    checkPrefix(prefix);
    return this.run(() => this.stmt.count.get(prefix, prefixEnd(prefix) ?? KEY_CEILING)!.n);
  }

  async currentRevision(): Promise<number> {
    if (this.syncing) await this.durable();
    this.checkOpen();
    return this.revision;
  }

  async compactRevision(): Promise<number> {
    this.checkOpen();
    return this.compactedRevision;
  }

  async dbSize(): Promise<number> {
    this.checkOpen();
    const sizeOf = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return sizeOf(this.path) + sizeOf(`${this.path}-wal`);
  }

  private checkReadRevision(at: number): void {
    checkRevision('atRevision', at);
    if (at > this.revision) throw futureRevision(at, this.revision);
    if (at < this.compactedRevision) throw compacted(at, this.compactedRevision);
  }

  // ---- watch ----

  watch(prefix: string, fromRevision: number): WatchStream {
    checkPrefix(prefix);
    checkRevision('fromRevision', fromRevision);
    const upper = prefixEnd(prefix) ?? KEY_CEILING;
    // A commit still awaiting its fsync reaches this watcher live, once durable.
    const replayUntil = this.durableRevision;
    let cursor = fromRevision;
    const watcher: Watcher = {
      after: Math.max(fromRevision, replayUntil),
      queue: new WatchQueue({
        maxBufferedEvents: this.maxBufferedEvents,
        onEnd: () => this.removeWatcher(prefix, watcher),
        // Every commit at or below durableRevision was broadcast in the same turn its
        // fsync completed (settle), before any of its writes was acknowledged.
        pushedThrough: () => this.durableRevision,
        // History (fromRevision, replayUntil] is read page by page as the consumer pulls;
        // live events above replayUntil queue up meanwhile.
        replay:
          fromRevision < replayUntil
            ? () => {
                if (cursor >= replayUntil) return null;
                if (this.isClosed) throw closed();
                if (cursor < this.compactedRevision) throw compacted(cursor, this.compactedRevision);
                const rows = this.run(() => this.stmt.replay.all(cursor, replayUntil, prefix, upper, REPLAY_PAGE_ROWS));
                if (rows.length === 0) {
                  cursor = replayUntil;
                  return null;
                }
                cursor = rows[rows.length - 1]!.id;
                return rows.map(toEvent);
              }
            : undefined,
      }),
    };
    if (this.isClosed) {
      watcher.queue.fail(closed());
    } else if (fromRevision < this.compactedRevision) {
      watcher.queue.fail(compacted(fromRevision, this.compactedRevision));
    } else {
      let set = this.watchers.get(prefix);
      if (!set) this.watchers.set(prefix, (set = new Set()));
      set.add(watcher);
    }
    return watcher.queue;
  }

  private removeWatcher(prefix: string, watcher: Watcher): void {
    const set = this.watchers.get(prefix);
    if (!set) return;
    set.delete(watcher);
    if (set.size === 0) this.watchers.delete(prefix);
  }

  /** Hands one commit's events to every watcher, filtering once per distinct prefix. */
  private broadcast(events: WatchEvent[]): void {
    const last = events[events.length - 1]!.revision;
    for (const [prefix, set] of this.watchers) {
      const matching = prefix === '' ? events : events.filter((e) => e.key.startsWith(prefix));
      if (matching.length === 0) continue;
      for (const watcher of set) {
        if (watcher.after >= last) continue;
        watcher.queue.push(watcher.after < matching[0]!.revision ? matching : matching.filter((e) => e.revision > watcher.after));
      }
    }
  }

  // ---- compaction ----

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    checkRevision('revision', revision);
    if (revision > this.revision) throw futureRevision(revision, this.revision);
    if (this.syncing) await this.durable();
    if (revision > this.compactedRevision) {
      // The logical mark moves first: reads and watches below it fail from now on,
      // then the physical deletion proceeds in small batches. (Written on this
      // connection only while no batch is out to the writer thread.)
      this.run(() => this.stmt.setMeta.run(revision, 'compact_revision'));
      this.compactedRevision = revision;
      this.scheduleCompaction();
    }
    await this.compaction;
  }

  private scheduleCompaction(): void {
    this.compaction = this.compaction.then(() => this.compactInBatches()).catch((err: unknown) => {
      this.logger.error({ err: String(err) }, 'compaction failed');
    });
  }

  private async compactInBatches(): Promise<void> {
    const target = this.compactedRevision;
    const started = this.now();
    let removed = 0;
    // Start small: the first batches read cold pages, and a writer behind one waits for it.
    let batchRows = Math.max(COMPACTION_MIN_BATCH_ROWS, Math.ceil(this.compactionBatchRows / 4));
    let restartWaits = 0;
    while (this.compactedTo < target && !this.isClosed) {
      // Compaction is background work and gives way: to a commit awaiting its fsync, to
      // a held WAL, and to the checkpointer — each time it has grown the WAL by
      // a quarter of the WAL limit it lets the WAL start over before going on.
      if (this.syncing) await this.durable();
      if (this.walHoldSince !== undefined) {
        await this.nextCheckpoint();
        continue;
      }
      if (this.walFill().frames * this.walFrameBytes > this.compactionWalBytes) {
        // Wait (a few checkpoint passes at most) for the WAL to start over.
        this.wantRestart();
        await this.nextCheckpoint();
        if (++restartWaits < 20) continue;
      }
      // This connection writes only while no batch is out to the writer thread (whose
      // transaction would hold SQLite's write lock); one may have gone out meanwhile.
      if (this.syncing) {
        await this.durable();
        continue;
      }
      restartWaits = 0;
      this.restartWalIfCaughtUp();
      const startFill = this.walIndex.read();
      const t0 = performance.now();
      removed += this.run(() => this.compactBatch(target, batchRows));
      // Keep each batch near its time and WAL budgets, so no writer waits long behind one.
      const took = performance.now() - t0;
      const endFill = startFill && this.walIndex.read();
      const frames = endFill && endFill.frames >= startFill.frames ? endFill.frames - startFill.frames : 0;
      const over = took > COMPACTION_BATCH_BUDGET_MS || frames > COMPACTION_BATCH_FRAMES;
      const under = took < COMPACTION_BATCH_BUDGET_MS / 2 && frames < COMPACTION_BATCH_FRAMES / 2;
      if (over && batchRows > COMPACTION_MIN_BATCH_ROWS) batchRows = Math.max(COMPACTION_MIN_BATCH_ROWS, Math.floor(batchRows / 2));
      // (Growing gently: a batch twice as large can take far more than twice as long.)
      else if (under && batchRows < this.compactionBatchRows * 2) batchRows = Math.ceil(batchRows * 1.25);
      // Copy this batch's pages to the database now, in a small pass, while compaction rests.
      this.checkpointer.nudge();
      const rest = took * COMPACTION_REST_FACTOR;
      if (rest >= 1) await new Promise<void>((resolve) => setTimeout(resolve, rest));
      // Let queued writes and reads run between batches.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!this.isClosed && removed > 0) {
      this.logger.info({ revision: target, removedRows: removed, ms: this.now() - started }, 'compacted');
    }
  }

  /** Removes the rows superseded at or below `target` among the next `rows` log rows. */
  private compactBatch(target: number, rows: number): number {
    const removed = this.db.transaction(() => {
      const scanned = this.stmt.compactScan.all(this.compactedTo, target, rows);
      let n = 0;
      for (const row of scanned) {
        // The row's predecessor is superseded at or below the target; a tombstone
        // at or below it is no longer needed either.
        if (row.prev_revision > 0) n += this.stmt.deleteRow.run(row.prev_revision).changes;
        if (row.deleted) n += this.stmt.deleteRow.run(row.id).changes;
      }
      const reached = scanned.length < rows ? target : scanned[scanned.length - 1]!.id;
      this.stmt.setMeta.run(reached, 'compacted_to');
      this.compactedTo = reached;
      return n;
    })();
    this.checkpointer.noteCommit();
    return removed;
  }

  private autoCompact(): void {
    if (!this.history || this.isClosed) return;
    const now = this.now();
    this.history.record(now, this.revision);
    const target = this.history.compactionTarget(now, this.revision, this.compactedRevision);
    if (target !== undefined) {
      this.compact(target).catch((err: unknown) => this.logger.error({ err: String(err) }, 'automatic compaction failed'));
    }
  }

  // ---- lifecycle ----

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (this.autoCompactTimer) clearInterval(this.autoCompactTimer);
    if (this.loadTimer) clearInterval(this.loadTimer);
    // Writes already accepted are committed (and synced) before the store goes away.
    this.walHoldSince = undefined;
    while (this.syncing || this.pending.length > 0) {
      if (this.syncing) await this.syncing;
      else this.flush();
    }
    this.isClosed = true;
    await this.compaction;
    for (const set of this.watchers.values()) for (const w of [...set]) w.queue.fail(closed());
    this.watchers.clear();
    await this.writerThread?.close();
    this.writerThread = undefined;
    await this.checkpointer.stop();
    this.walIndex.close();
    closeSync(this.walFd);
    this.db.close();
    this.lock.release();
  }

  private checkOpen(): void {
    if (this.isClosed) throw closed();
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStorageError(err, this.path);
    }
  }
}

/** The smallest valid key above `key`: keys are printable ASCII and '!' is the lowest. */
function keyAfter(key: string): string {
  return `${key}!`;
}

function toKeyValue(row: ValueRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.rev };
}

function toEvent(row: LogRow): WatchEvent {
  if (row.deleted) {
    return { type: 'DELETE', key: row.name, prevValue: row.prev_value ?? EMPTY, revision: row.id, createRevision: row.create_revision };
  }
  const event: WatchEvent = { type: 'PUT', key: row.name, value: row.value, revision: row.id, createRevision: row.create_revision };
  if (row.prev_value) event.prevValue = row.prev_value;
  return event;
}
