import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtobufObject, encodeProtobufObject } from './codec.js';

/**
 * Request bodies captured from the real kubectl 1.32 (testdata/capture-kubectl.ts): each
 * `<name>.pb` must decode to `<name>.json`, which is what `kubectl … --dry-run=client -o
 * json` printed for the same command — Go's own JSON of the object it sent.
 */
const DIR = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.pb'))
  .map((f) => f.slice(0, -3))
  .sort();

test('fixtures were captured', () => {
  assert.ok(names.length >= 13, `only ${names.length} fixtures in ${DIR}`);
});

/**
 * Go prints a nil slice or map without omitempty as null (ClusterRole `rules: null`); on
 * the wire that is just absence, which decodes to no key. Both mean "none".
 */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k, x]) => x !== null || k === 'creationTimestamp')
      .map(([k, x]) => [k, withoutNulls(x)]),
  );
}

for (const name of names) {
  test(`kubectl create ${name}: the protobuf body decodes to the JSON kubectl meant`, () => {
    const body = readFileSync(join(DIR, `${name}.pb`));
    const expected = withoutNulls(JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'))) as Record<string, unknown>;
    const decoded = decodeProtobufObject(body);
    assert.deepEqual(decoded, expected);
    // Key order too: Go prints struct fields in declaration order.
    assert.equal(JSON.stringify(decoded), JSON.stringify(expected));
    // And encoding it again yields an equivalent body.
    assert.deepEqual(decodeProtobufObject(encodeProtobufObject(decoded, { strict: true })), expected);
  });
}
