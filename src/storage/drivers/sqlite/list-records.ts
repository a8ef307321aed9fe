/**
 * The record format of the SQLite driver's list pages: per live key, a 48-character hex
 * header (name bytes: 8, value bytes: 8, modRevision: 16, createRevision: 16), then the
 * name's UTF-8 bytes, then the value's bytes; SQLite concatenates a page's records into
 * one blob (see listCurrentRecords in sqlite-backend.ts).
 */

export interface ListedRow {
  name: string;
  rev: number;
  create_revision: number;
  value: Buffer;
}

const LIST_HEADER_BYTES = 48;

/** Reads `length` hex digits at `offset` (the record headers of a list page). */
function hexAt(buf: Buffer, offset: number, length: number): number {
  let n = 0;
  for (let i = offset; i < offset + length; i++) {
    const c = buf[i]!;
    n = n * 16 + (c <= 57 ? c - 48 : c - 87);
  }
  return n;
}

/**
 * Splits a list page's blob into rows, values as views into it; undefined when the keys
 * are not in strictly ascending byte order (SQLite's BINARY order) or a record overruns
 * the blob, so the caller reads the page with its order spelled out instead.
 */
export function parseListRecords(blob: Buffer): ListedRow[] | undefined {
  const rows: ListedRow[] = [];
  let offset = 0;
  let prevStart = 0;
  let prevEnd = -1;
  while (offset < blob.length) {
    const nameLength = hexAt(blob, offset, 8);
    const valueLength = hexAt(blob, offset + 8, 8);
    const rev = hexAt(blob, offset + 16, 16);
    const createRevision = hexAt(blob, offset + 32, 16);
    const nameStart = offset + LIST_HEADER_BYTES;
    const nameEnd = nameStart + nameLength;
    if (nameEnd + valueLength > blob.length) return undefined;
    // compare() is above zero when this name (the source range) sorts after the previous one.
    if (prevEnd >= 0 && blob.compare(blob, prevStart, prevEnd, nameStart, nameEnd) <= 0) return undefined;
    rows.push({ name: blob.toString('utf8', nameStart, nameEnd), rev, create_revision: createRevision, value: blob.subarray(nameEnd, nameEnd + valueLength) });
    prevStart = nameStart;
    prevEnd = nameEnd;
    offset = nameEnd + valueLength;
  }
  return rows;
}

