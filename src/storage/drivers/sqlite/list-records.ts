/**
 * The record format of the SQLite driver's list pages: per live key, a 48-character hex
 * header (name bytes: 8, value bytes: 8, modRevision: 16, createRevision: 16), then the
 * name's UTF-8 bytes, then the value's bytes; SQLite concatenates a page's records into
 * one blob (see listCurrentRecords in sqlite-backend.ts).
 */

import type { KeyValue } from '../../backend.js';

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
 * Appends a list page's rows to `into` as the store's KeyValues (values are views into
 * the blob) and returns how many; undefined, with `into` left as it was, when the keys
 * are not in strictly ascending order (SQLite's BINARY order) or a record overruns the
 * blob, so the caller reads the page with its order spelled out instead. Keys are
 * printable ASCII (limits.ts), where string order is byte order. (Rows are built here
 * directly, not mapped afterwards: half the time of a 10,000-key list in JavaScript.)
 */
export function parseListRecords(blob: Buffer, into: KeyValue[]): number | undefined {
  const start = into.length;
  let offset = 0;
  let previous: string | undefined;
  while (offset < blob.length) {
    const nameLength = hexAt(blob, offset, 8);
    const valueLength = hexAt(blob, offset + 8, 8);
    const modRevision = hexAt(blob, offset + 16, 16);
    const createRevision = hexAt(blob, offset + 32, 16);
    const nameStart = offset + LIST_HEADER_BYTES;
    const nameEnd = nameStart + nameLength;
    const key = nameEnd + valueLength <= blob.length ? blob.toString('utf8', nameStart, nameEnd) : undefined;
    if (key === undefined || (previous !== undefined && key <= previous)) {
      into.length = start;
      return undefined;
    }
    into.push({ key, value: blob.subarray(nameEnd, nameEnd + valueLength), createRevision, modRevision });
    previous = key;
    offset = nameEnd + valueLength;
  }
  return into.length - start;
}
