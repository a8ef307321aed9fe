/**
 * The SQLite store's writer thread (started by writer-thread.ts under load): applies one
 * group commit at a time on its own connection, fsyncs the WAL, then answers. Running
 * the statements and the commit here took about 150 us of event-loop time per pod
 * create off the API server's one JavaScript thread (its busiest cost: B-tree inserts
 * into three indexes and the WAL writes, measured per thread from /proc).
 */
import { fdatasyncSync, fstatSync, openSync, closeSync, statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { sqliteNativeBinding } from './native-binding.js';
import { acceptedCount, BatchWriter, tuneWriterConnection } from './write-batch.js';
import type { WriterReply, WriterRequest, WriterThreadData } from './writer-thread.js';

const port = parentPort!;
const { path } = workerData as WriterThreadData;
const reply = (message: WriterReply) => port.postMessage(message);
const failureOf = (err: unknown) => ({ message: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code === undefined ? undefined : String((err as { code?: unknown }).code) });

let db: Database.Database;
let writer: BatchWriter;
let walPath: string;
let walFd: number;
try {
  db = new Database(path, { timeout: 5000, nativeBinding: sqliteNativeBinding });
  tuneWriterConnection(db);
  writer = new BatchWriter(db);
  walPath = `${path}-wal`;
  walFd = openSync(walPath, 'r');
  reply({ ready: true });
} catch (err) {
  reply({ failure: failureOf(err) });
  port.close();
  throw err;
}

/**
 * SQLite keeps its WAL in place while open; should it ever be replaced, sync the new one.
 * fdatasync, as SQLite and etcd sync their logs: it writes the data and whatever metadata
 * reading it back needs (the size, while the file grows), so durability is the same as
 * fsync's. The WAL is reused from its start, not truncated, so its size rarely changes;
 * fsync would still commit the filesystem journal for the new modification time on
 * every sync, and on ext4 that commit queues behind the checkpointer's database sync.
 */
function syncWal(): void {
  if (statSync(walPath).ino !== fstatSync(walFd).ino) {
    closeSync(walFd);
    walFd = openSync(walPath, 'r');
  }
  fdatasyncSync(walFd);
}

/** The revision the last batch ended at (the store sends its own when nothing is out). */
let revision = 0;
/** Set once an fsync failed: nothing more is applied (the store acknowledges nothing more either). */
let syncFailure: string | undefined;

port.on('message', (request: WriterRequest) => {
  if (request === 'close') {
    db.close();
    closeSync(walFd);
    reply({ closed: true });
    port.close();
    return;
  }
  if (syncFailure) {
    reply({ syncFailure });
    return;
  }
  let outcomes;
  const from = request.revision ?? revision;
  try {
    outcomes = writer.apply(request.ops, from, request.wantPrev);
  } catch (err) {
    reply({ failure: failureOf(err) });
    return;
  }
  const accepted = acceptedCount(outcomes);
  revision = from + accepted;
  try {
    if (accepted > 0) syncWal();
  } catch (err) {
    syncFailure = failureOf(err).message;
    reply({ syncFailure });
    return;
  }
  reply({ outcomes, revision });
});
