/**
 * Checkpoints the WAL from a worker thread, so that copying pages into the database
 * and fsyncing it never blocks the event loop (inline auto-checkpoints stalled writers
 * for tens of milliseconds). A PASSIVE checkpoint runs beside writers. Under a steady
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
const Database = require(workerData.sqliteModule);
const db = new Database(workerData.path, { timeout: 5000 });
db.pragma('synchronous = FULL');
let timer;
let stopping = false;
const run = () => {
  clearTimeout(timer);
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
  if (!stopping) timer = setTimeout(run, workerData.intervalMs);
};
timer = setTimeout(run, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg === 'checkpoint') run();
  if (msg === 'stop') { stopping = true; clearTimeout(timer); run(); db.close(); parentPort.postMessage({ stopped: true }); }
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

export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped: Promise<void> | undefined;
  private exited = false;

  constructor(path: string, events: CheckpointerEvents, intervalMs = 100) {
    const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, intervalMs, sqliteModule }, execArgv: [] });
    this.worker.on('message', (msg: WorkerMessage) => {
      if (msg.error) events.onError(msg.error);
      else if (msg.log !== undefined) events.onCheckpoint(msg.log, msg.checkpointed ?? 0);
    });
    this.worker.on('error', (err) => events.onError(String(err)));
    this.worker.once('exit', () => (this.exited = true));
    this.worker.unref();
  }

  /** Asks for a checkpoint now. */
  nudge(): void {
    this.worker.postMessage('checkpoint');
  }

  /** Runs a last checkpoint and ends the thread. */
  stop(): Promise<void> {
    // A thread that already died (its error was reported) has nothing left to stop.
    if (this.exited) return Promise.resolve();
    this.stopped ??= new Promise<void>((resolve) => {
      // Keep the process alive until the last checkpoint is done.
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.worker.on('message', (msg: WorkerMessage) => {
        if (msg.stopped) void this.worker.terminate();
      });
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}
