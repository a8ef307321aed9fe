/**
 * The SQLite store's tables. `kv` is the revision log (one row per write, the row id
 * is the revision); `current` indexes the live version of each key so gets, lists and
 * counts at the current revision never touch history; `meta` holds the compaction marks.
 *
 * prev_revision links a row to the live row it replaced (0 when it created the key).
 * Compaction relies on it: a row may go once its successor is at or below the
 * compacted revision, so every event above that revision keeps its previous value.
 */
import type { Database } from 'better-sqlite3';
import { StorageError } from '../../errors.js';

export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
CREATE TABLE IF NOT EXISTS current (
  name TEXT PRIMARY KEY,
  rev INTEGER NOT NULL,
  create_revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  k TEXT PRIMARY KEY,
  v INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Creates the schema in a new store, or checks that an existing file is ours. */
export function ensureSchema(db: Database, path: string): void {
  const tables = new Set(
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name),
  );
  if (tables.size === 0) {
    db.exec(DDL);
    const put = db.prepare(`INSERT INTO meta (k, v) VALUES (?, ?)`);
    put.run('schema_version', SCHEMA_VERSION);
    put.run('compact_revision', 0);
    put.run('compacted_to', 0);
    return;
  }
  for (const t of ['kv', 'current', 'meta']) {
    if (!tables.has(t)) {
      throw new StorageError('Corrupt', `${path} is a SQLite database but not a Skiff store (no table ${t}); refusing to use it`);
    }
  }
  const version = db.prepare(`SELECT v FROM meta WHERE k = 'schema_version'`).get() as { v: number } | undefined;
  if (version?.v !== SCHEMA_VERSION) {
    throw new StorageError('Corrupt', `${path} has store schema version ${version?.v ?? 'unknown'}; this Skiff reads version ${SCHEMA_VERSION}`);
  }
}
