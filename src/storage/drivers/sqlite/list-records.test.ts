import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { KeyValue } from '../../backend.js';
import { parseListRecords as parseInto } from './list-records.js';

/** The rows of one page, or undefined when refused (and then nothing was appended). */
function parseListRecords(blob: Buffer): KeyValue[] | undefined {
  const into: KeyValue[] = [];
  const n = parseInto(blob, into);
  if (n === undefined) assert.equal(into.length, 0, 'nothing appended from a refused page');
  else assert.equal(n, into.length);
  return n === undefined ? undefined : into;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
function record(name: string, value: Uint8Array, rev: number, createRevision: number): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const header = `${hex(nameBytes.length, 8)}${hex(value.length, 8)}${hex(rev, 16)}${hex(createRevision, 16)}`;
  return Buffer.concat([Buffer.from(header, 'latin1'), nameBytes, value]);
}

it('splits a page into rows with values as views, any bytes in values', () => {
  const odd = Uint8Array.from([0xc3, 0x28, 0, 0xf0, 0x80, 0xff]);
  const blob = Buffer.concat([record('/a/1', Buffer.from('{"x":1}'), 7, 3), record('/a/2', new Uint8Array(0), 2 ** 40, 2 ** 40), record('/a/3', odd, 0xabcdef, 9)]);
  const rows = parseListRecords(blob)!;
  assert.deepEqual(
    rows.map((r) => [r.key, r.modRevision, r.createRevision, [...r.value]]),
    [
      ['/a/1', 7, 3, [...Buffer.from('{"x":1}')]],
      ['/a/2', 2 ** 40, 2 ** 40, []],
      ['/a/3', 0xabcdef, 9, [...odd]],
    ],
  );
  assert.equal(rows[0]!.value.buffer, blob.buffer, 'values are views, not copies');
  assert.deepEqual(parseListRecords(Buffer.alloc(0)), []);
});

it('appends after rows already gathered, and takes none back but its own when refusing', () => {
  const into: KeyValue[] = [{ key: '/a/0', value: new Uint8Array(0), createRevision: 1, modRevision: 1 }];
  assert.equal(parseInto(Buffer.concat([record('/a/1', new Uint8Array(1), 2, 2), record('/a/2', new Uint8Array(1), 3, 3)]), into), 2);
  assert.deepEqual(into.map((r) => r.key), ['/a/0', '/a/1', '/a/2']);
  assert.equal(parseInto(Buffer.concat([record('/a/4', new Uint8Array(1), 4, 4), record('/a/3', new Uint8Array(1), 5, 5)]), into), undefined);
  assert.deepEqual(into.map((r) => r.key), ['/a/0', '/a/1', '/a/2']);
});

it('refuses keys out of byte order or repeated, and records that overrun the blob', () => {
  assert.equal(parseListRecords(Buffer.concat([record('/a/2', new Uint8Array(1), 1, 1), record('/a/1', new Uint8Array(1), 2, 2)])), undefined);
  assert.equal(parseListRecords(Buffer.concat([record('/a/1', new Uint8Array(1), 1, 1), record('/a/1', new Uint8Array(1), 2, 2)])), undefined);
  assert.notEqual(parseListRecords(Buffer.concat([record('/a/1', new Uint8Array(1), 1, 1), record('/a/10', new Uint8Array(1), 2, 2)])), undefined, 'a prefix sorts first');
  const whole = record('/a/1', new Uint8Array(10), 1, 1);
  assert.equal(parseListRecords(whole.subarray(0, whole.length - 1)), undefined);
});
