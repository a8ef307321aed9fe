/**
 * Checks a database file before SQLite opens it, so that a truncated or foreign file
 * is refused with a clear error instead of failing later (or, worse, being treated as
 * an empty store and overwritten). Reads only the 100-byte header: cheap at any size.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StorageError } from '../../errors.js';

const MAGIC = 'SQLite format 3\0';

export function checkDatabaseFile(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return; // a new store: SQLite creates the file
  }
  if (size === 0) return;
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const corrupt = (why: string) =>
    new StorageError('Corrupt', `${path} is not a usable Skiff SQLite store: ${why}; refusing to open it (restore it from a backup or move it aside)`);
  if (read < 100 || header.toString('latin1', 0, 16) !== MAGIC) throw corrupt('the file does not start with a SQLite header');
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw corrupt(`invalid page size ${rawPageSize}`);
  if (size % pageSize !== 0) throw corrupt(`its size ${size} is not a whole number of ${pageSize}-byte pages (truncated?)`);
  // The in-header page count is authoritative when its version stamp matches the change counter.
  const changeCounter = header.readUInt32BE(24);
  const pageCount = header.readUInt32BE(28);
  const validFor = header.readUInt32BE(92);
  if (validFor === changeCounter && pageCount * pageSize > size) {
    throw corrupt(`it holds ${size / pageSize} pages but its header records ${pageCount} (truncated)`);
  }
}
