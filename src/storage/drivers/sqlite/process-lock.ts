/**
 * One process per store: a sidecar file `<db>.lock` held under SQLite's exclusive
 * lock for as long as the store is open. SQLite's locks are POSIX locks (released by
 * the kernel when the process dies, so a crash never leaves a stale lock) and SQLite
 * also makes them conflict between connections of one process. The store itself can
 * then run in normal locking mode, which lets a checkpointer thread share it.
 */
import Database from 'better-sqlite3';
import { sqliteNativeBinding } from './native-binding.js';
import type { Database as Db } from 'better-sqlite3';
import { StorageError } from '../../errors.js';

export interface ProcessLock {
  release(): void;
}

export function acquireProcessLock(dbPath: string): ProcessLock {
  const lockPath = `${dbPath}.lock`;
  let db: Db | undefined;
  try {
    db = new Database(lockPath, { timeout: 0, nativeBinding: sqliteNativeBinding });
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = DELETE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER)');
    // A write takes the exclusive lock; locking_mode=EXCLUSIVE keeps it after commit.
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch (err) {
    db?.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new StorageError('Locked', `${dbPath} is in use by another process (lock ${lockPath} is held); only one Skiff server may open a SQLite store`, {}, { cause: err });
    }
    throw new StorageError('Unavailable', `cannot take the lock ${lockPath}: ${(err as Error).message}`, {}, { cause: err });
  }
  const held = db;
  return { release: () => held.close() };
}
