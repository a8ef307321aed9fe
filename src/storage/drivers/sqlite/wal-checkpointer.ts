/**
 * Checkpoints the WAL beside the writers, so that copying pages into the database and
 * fsyncing it never blocks the event loop for long (SQLite's inline auto-checkpoints
 * stalled writers for tens of milliseconds). A PASSIVE checkpoint runs beside writers. Under a steady
 * stream of writes it can never catch up completely, and the WAL only starts over
 * once it has; so when the WAL grows past a bound the store holds its writes briefly
 * (reads go on), asks for a checkpoint now, and resumes when the WAL is fully copied:
 * the next commit then reuses the file from its beginning.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Plain CommonJS run by the worker: independent of how the main code was loaded. An
 * eval'd worker resolves bare module names from the working directory, so it is handed
 * better-sqlite3's resolved path (the server may be started from any directory).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.sqliteModule);
const db = new Database(workerData.path, { timeout: 5000 });
db.pragma('synchronous = FULL');
let timer;
let stopping = false;
// SQLite syncs the database only after a pass that copied up to the WAL's live end;
// under a steady stream of commits that is almost never, so the pages copied pile up
// dirty, and the one pass that finally syncs (the last frames before the WAL starts
// over, copied while writes wait) paid for all of them: 30-40 ms. Syncing after every
// pass keeps that cost here, on this thread. (fdatasync: the pages and, when the file
// grew, its size; not the modification time, which needs no journal commit here.)
const dbFd = fs.openSync(workerData.path, 'r');
let copiedBefore = 0;
const run = () => {
  clearTimeout(timer);
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r.checkpointed > 0 && r.checkpointed !== copiedBefore) fs.fdatasyncSync(dbFd);
    copiedBefore = r.checkpointed;
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
  if (!stopping) timer = setTimeout(run, workerData.intervalMs);
};
timer = setTimeout(run, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg === 'checkpoint') run();
  if (msg === 'stop') { stopping = true; clearTimeout(timer); run(); db.close(); fs.closeSync(dbFd); parentPort.postMessage({ stopped: true }); }
});
`;

interface WorkerMessage {
  log?: number;
  checkpointed?: number;
  error?: string;
  stopped?: boolean;
}

export interface CheckpointerEvents {
  /** A checkpoint finished: `frames` in the WAL, `copied` of them now in the database. */
  onCheckpoint(frames: number, copied: number): void;
  onError(message: string): void;
}

/** Runs a PASSIVE checkpoint on the store's own connection (blocking while it runs). */
export type InlineCheckpoint = () => { log: number; checkpointed: number };

export interface CheckpointerOptions {
  /** Worker mode: pause between checkpoints. */
  intervalMs?: number;
  /** Light mode: pause between inline checkpoints (only when something was committed). */
  inlineIntervalMs?: number;
  /** An inline pass slower than this calls for the thread (default 4 ms). */
  inlineBudgetMs?: number;
}

/** An inline checkpoint slower than this, or a WAL with more frames, calls for the thread. */
const INLINE_BUDGET_MS = 4;
const INLINE_MAX_FRAMES = 1024;
/** The thread ends after this long with no second busier than this many commits. */
const WORKER_IDLE_MS = 30_000;
const LIGHT_COMMITS_PER_INTERVAL = 50;

/**
 * Two modes. Under light load (a few commits a second: leases, events) a small PASSIVE
 * checkpoint runs inline on the store's connection every second and takes about a
 * millisecond; a worker thread and its V8 isolate (~17 MB of memory) are not worth
 * keeping for that. When an inline pass is slow, the WAL is large, or a checkpoint is
 * needed now (the WAL bound, compaction), the worker thread starts and checkpoints
 * every `intervalMs` beside the writers; it ends again after a quiet half minute.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private workerStopped: Promise<void> | undefined;
  private readonly inlineTimer: NodeJS.Timeout;
  private commits = 0;
  private lastBusy = performance.now();
  private stopping = false;

  constructor(
    private readonly path: string,
    private readonly inline: InlineCheckpoint,
    private readonly events: CheckpointerEvents,
    private readonly options: CheckpointerOptions = {},
  ) {
    this.inlineTimer = setInterval(() => this.tick(), options.inlineIntervalMs ?? 1000);
    this.inlineTimer.unref();
  }

  /** Whether the worker thread is running (for tests and metrics). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /** A commit was made (its frames wait in the WAL). */
  noteCommit(): void {
    this.commits++;
  }

  /** Asks for a checkpoint now, on the thread (starting it if needed). */
  nudge(): void {
    if (this.stopping) return;
    this.startWorker().postMessage('checkpoint');
  }

  private tick(): void {
    if (this.stopping) return;
    const commits = this.commits;
    this.commits = 0;
    const now = performance.now();
    if (commits > LIGHT_COMMITS_PER_INTERVAL) this.lastBusy = now;
    if (this.worker) {
      if (now - this.lastBusy > WORKER_IDLE_MS) void this.stopWorker();
      return;
    }
    if (commits === 0) return;
    const t0 = performance.now();
    let result: { log: number; checkpointed: number };
    try {
      result = this.inline();
    } catch (err) {
      this.events.onError(err instanceof Error ? err.message : String(err));
      return;
    }
    this.events.onCheckpoint(result.log, result.checkpointed);
    // What the pass cost decides: a short burst (the bootstrap objects) stays inline.
    if (performance.now() - t0 > (this.options.inlineBudgetMs ?? INLINE_BUDGET_MS) || result.log > INLINE_MAX_FRAMES || result.checkpointed < result.log) {
      this.lastBusy = now;
      this.startWorker();
    }
  }

  private startWorker(): Worker {
    if (this.worker) return this.worker;
    const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path: this.path, intervalMs: this.options.intervalMs ?? 100, sqliteModule },
      execArgv: [],
    });
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.error) this.events.onError(msg.error);
      else if (msg.log !== undefined) this.events.onCheckpoint(msg.log, msg.checkpointed ?? 0);
    });
    worker.on('error', (err) => this.events.onError(String(err)));
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    worker.unref();
    this.worker = worker;
    this.lastBusy = performance.now();
    return worker;
  }

  /** Runs a last checkpoint on the thread and ends it. */
  private stopWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker) return this.workerStopped ?? Promise.resolve();
    this.worker = undefined;
    this.workerStopped = new Promise<void>((resolve) => {
      // Keep the process alive until the last checkpoint is done.
      worker.ref();
      worker.once('exit', () => resolve());
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.stopped) void worker.terminate();
      });
      worker.postMessage('stop');
    });
    return this.workerStopped;
  }

  /** Ends both modes (the store's own close checkpoints what is left). */
  stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.inlineTimer);
    return this.stopWorker();
  }
}
