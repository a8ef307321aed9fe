import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyOrder } from './key-order.js';

const orderOf = (keys: string[]) => {
  const map = new Map(keys.map((k) => [k, true]));
  return { map, order: new KeyOrder(map) };
};

test('range: the keys under a prefix, sorted, and none from a neighbouring prefix', () => {
  const { order } = orderOf(['/p/b/2', '/p/a/1', '/p/b/1', '/p/bb/1', '/p/b0', '/q/b/1']);
  assert.deepEqual(order.range('/p/b/'), ['/p/b/1', '/p/b/2']);
  assert.deepEqual(order.range('/p/'), ['/p/a/1', '/p/b/1', '/p/b/2', '/p/b0', '/p/bb/1']);
  assert.deepEqual(order.range('/z/'), []);
  assert.deepEqual(order.range(''), ['/p/a/1', '/p/b/1', '/p/b/2', '/p/b0', '/p/bb/1', '/q/b/1']);
});

test('changed: keys added or removed since the last range are seen', () => {
  const { map, order } = orderOf(['/p/2']);
  assert.deepEqual(order.range('/p/'), ['/p/2']);
  map.set('/p/1', true);
  order.changed();
  assert.deepEqual(order.range('/p/'), ['/p/1', '/p/2']);
  map.delete('/p/2');
  order.changed();
  assert.deepEqual(order.range('/p/'), ['/p/1']);
});

test('keys beyond U+D800 sort in UTF-8 byte order, as storage lists them', () => {
  // U+FF01 is one UTF-16 unit above a surrogate pair's lead (U+D83D) but its UTF-8 bytes
  // (EF BC 81) sort before the emoji's (F0 9F 98 80).
  const emoji = '/p/\u{1F600}';
  const fullwidth = '/p/\uFF01';
  const { order } = orderOf([emoji, fullwidth, '/p/a']);
  const expected = ['/p/a', fullwidth, emoji].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(order.range('/p/'), expected);
  assert.deepEqual(expected, ['/p/a', fullwidth, emoji]);
  assert.deepEqual(order.range(fullwidth), [fullwidth]);
});
