/**
 * The main-thread side of the SQLite store's writer thread (sqlite-writer-thread.ts):
 * hands it group commits, which it applies and fsyncs one after another in the order
 * sent, and returns what each did once it is durable. Several may be out at once: the
 * thread starts the next as soon as one is synced, instead of waiting for this thread
 * to see the answer (often ~10 ms later, behind a burst of requests). The store never
 * writes on its own connection while a batch is out, so the two connections never
 * contend for SQLite's write lock.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WriteOp, WriteOutcome } from './write-batch.js';

export interface WriterThreadData {
  path: string;
}

/** revision: where numbering continues; absent, from where the thread's last batch ended. */
export type WriterRequest = { ops: WriteOp[]; revision: number | undefined; wantPrev: boolean } | 'close';

export type WriterReply =
  | { ready: true }
  /** revision: the store's revision after the batch. */
  | { outcomes: WriteOutcome[]; revision: number }
  /** SQLite refused the transaction: nothing was committed. */
  | { failure: { message: string; code: string | undefined } }
  /** Committed, but the WAL fsync failed: durability can no longer be promised. */
  | { syncFailure: string }
  | { closed: true };

export type BatchResult = Exclude<WriterReply, { ready: true } | { closed: true }>;

const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** Beside this module: the .ts source under tsx (the worker inherits the loader), the bundle's own entry when built. */
const SCRIPT = fileURLToPath(new URL(`./sqlite-writer-thread.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url));

/**
 * From source, the thread registers tsx itself before loading its .ts entry: Node 20
 * does not apply an inherited `--import tsx` to a worker's modules. (Named by path: an
 * eval'd worker resolves bare names from the working directory.)
 */
function sourceBootstrap(): string {
  const api = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  return `import(${JSON.stringify(pathToFileURL(api).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(SCRIPT).href)}); });`;
}

export class WriterThread {
  private readonly worker: Worker;
  /** Batches out, oldest first (answers come in the order sent). */
  private readonly inFlight: ((result: BatchResult) => void)[] = [];
  private isReady = false;
  /** Why the thread cannot take batches (it failed to start, or ended). */
  private broken: string | undefined;
  private closing: Promise<void> | undefined;
  /** Resolves once the thread has opened its connection, or has failed to. */
  readonly started: Promise<void>;

  constructor(path: string) {
    const workerData: WriterThreadData = { path };
    this.worker = FROM_SOURCE ? new Worker(sourceBootstrap(), { eval: true, workerData, execArgv: [] }) : new Worker(SCRIPT, { workerData });
    let started!: () => void;
    this.started = new Promise<void>((resolve) => (started = resolve));
    this.worker.on('message', (reply: WriterReply) => {
      if ('ready' in reply) {
        this.isReady = true;
        // Idle, the thread does not keep the process alive; a batch out does (see apply),
        // and so does closing it.
        if (!this.closing) this.worker.unref();
        started();
        return;
      }
      if ('closed' in reply) return;
      if (!this.isReady && 'failure' in reply) {
        this.broken = reply.failure.message;
        started();
        return;
      }
      const settle = this.inFlight.shift();
      if (this.inFlight.length === 0) this.worker.unref();
      settle?.(reply);
    });
    const end = (why: string) => {
      this.broken ??= why;
      this.isReady = false;
      started();
      // A batch out when the thread ended may or may not have been committed: the store
      // must stop acknowledging, as after a failed fsync.
      for (const settle of this.inFlight.splice(0)) settle({ syncFailure: `the SQLite writer thread ended (${why})` });
    };
    this.worker.on('error', (err) => end(err.message));
    this.worker.on('exit', (code) => end(`exit code ${code}`));
  }

  /** Whether the thread takes batches now. */
  get ready(): boolean {
    return this.isReady && !this.broken && !this.closing;
  }

  /** Why the thread could not start or stopped working, if it did. */
  get failure(): string | undefined {
    return this.broken;
  }

  /** Batches sent and not yet answered. */
  get batchesOut(): number {
    return this.inFlight.length;
  }

  /**
   * Applies one batch in the thread after those already out; resolves after its commit
   * is fsynced. Accepted writes are numbered from `revision` + 1, or, when undefined,
   * after the previous batch's.
   */
  apply(ops: readonly WriteOp[], revision: number | undefined, wantPrev: boolean): Promise<BatchResult> {
    if (!this.ready) return Promise.resolve({ failure: { message: this.broken ?? 'the SQLite writer thread is not ready', code: undefined } });
    // The values travel in one buffer handed over to the thread, not copied one by one
    // (a view's whole backing store is what a message copies, often Buffer's 8 KB pool).
    let bytes = 0;
    for (const op of ops) if (op.kind !== 'delete') bytes += op.value.byteLength;
    const arena = new Uint8Array(bytes);
    let offset = 0;
    const sent: WriteOp[] = ops.map((op) => {
      if (op.kind === 'delete') return op;
      arena.set(op.value, offset);
      const value = arena.subarray(offset, (offset += op.value.byteLength));
      return { ...op, value };
    });
    return new Promise<BatchResult>((resolve) => {
      this.inFlight.push(resolve);
      this.worker.ref();
      this.worker.postMessage({ ops: sent, revision, wantPrev } satisfies WriterRequest, [arena.buffer]);
    });
  }

  /** Ends the thread after the batches that are out, if any (the store waits for them first). */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.broken) {
        void this.worker.terminate().then(() => resolve());
        return;
      }
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('close' satisfies WriterRequest);
    });
    return this.closing;
  }
}
