import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { decodeProtobufObject, encodeProtobufObject } from './codec.js';
import { defaultRegistry } from './registry.js';
import type { MessageDef, ScalarType, ValueType } from './schema.js';

/**
 * JSON → protobuf → JSON identity for every kind with a table: an object generated from
 * the table itself (every field set, to a non-zero value), and the e2e manifests.
 */

const SCALARS: Record<ScalarType, unknown> = {
  string: 'text',
  bytes: Buffer.from([0, 1, 2, 250]).toString('base64'),
  bool: true,
  int32: -7,
  uint32: 4_000_000_000,
  int64: Number.MAX_SAFE_INTEGER,
  uint64: 12,
  double: 0.5,
  float: 1.5,
};

let flip = 0;
function sample(t: ValueType, stack: MessageDef[]): unknown {
  if (t.kind === 'scalar') return SCALARS[t.scalar];
  if (t.kind === 'special') {
    switch (t.special) {
      case 'Time':
        return '2024-01-02T03:04:05Z';
      case 'MicroTime':
        return '2024-01-02T03:04:05.123456Z';
      case 'Duration':
        return '1m30s';
      case 'IntOrString':
        return flip++ % 2 ? 8080 : 'http';
      case 'Quantity':
        return '250m';
      case 'RawExtension':
        return { apiVersion: 'v1', kind: 'Any', nested: [1, 'two'] };
      case 'FieldsV1':
        return { 'f:metadata': { 'f:labels': {} } };
    }
  }
  return generate(t.message!, stack);
}

/** Every field set; a message already on the stack is left out to keep recursion finite. */
function generate(msg: MessageDef, stack: MessageDef[] = []): unknown {
  const inner = [...stack, msg];
  if (msg.array) return [sample(msg.fields[0]!.value, inner), sample(msg.fields[0]!.value, inner)];
  const out: Record<string, unknown> = {};
  for (const f of msg.fields) {
    if (f.value.kind === 'message' && (inner.includes(f.value.message!) || inner.length > 20)) continue;
    if (f.name === null) {
      Object.assign(out, sample(f.value, inner));
      continue;
    }
    const v = sample(f.value, inner);
    out[f.name] = f.map ? { a: v, 'b.example/key': v } : f.repeated ? [v, v] : v;
  }
  return out;
}

test('every kind with a table round-trips an object with every field set', () => {
  const registry = defaultRegistry();
  const kinds = registry.allKinds();
  assert.ok(kinds.length > 40, `only ${kinds.length} kinds`);
  for (const { apiVersion, kind, message } of kinds) {
    const obj = { kind, apiVersion, ...(generate(message) as Record<string, unknown>) };
    const back = decodeProtobufObject(encodeProtobufObject(obj, { strict: true }));
    assert.deepEqual(back, obj, `${apiVersion} ${kind}`);
  }
});

/** Keys of `input` that decoding may drop: plain scalars at their zero value, and nulls. */
function assertSameModuloZeros(input: unknown, output: unknown, path: string): void {
  if (Array.isArray(input)) {
    assert.ok(Array.isArray(output), `${path}: not an array`);
    assert.equal(output.length, input.length, `${path}: length`);
    input.forEach((v, i) => assertSameModuloZeros(v, output[i], `${path}[${i}]`));
    return;
  }
  if (typeof input === 'object' && input !== null) {
    assert.ok(typeof output === 'object' && output !== null, `${path}: not an object`);
    const out = output as Record<string, unknown>;
    for (const [k, v] of Object.entries(input)) {
      if (!(k in out)) {
        assert.ok(v === '' || v === 0 || v === false || v === null, `${path}.${k} (${JSON.stringify(v)}) was lost`);
        continue;
      }
      assertSameModuloZeros(v, out[k], `${path}.${k}`);
    }
    for (const k of Object.keys(out)) assert.ok(k in (input as object), `${path}.${k} appeared`);
    return;
  }
  assert.deepEqual(output, input, path);
}

const MANIFESTS = join(dirname(fileURLToPath(import.meta.url)), '../../../test/e2e/manifests');

test('the e2e manifests round-trip, losing only zero values Go would omit', () => {
  let count = 0;
  for (const file of readdirSync(MANIFESTS).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8'))) {
      const obj = doc.toJS() as Record<string, unknown> | null;
      if (!obj || typeof obj['kind'] !== 'string') continue;
      const back = decodeProtobufObject(encodeProtobufObject(obj, { strict: true }));
      assertSameModuloZeros(obj, back, `${file} ${String(obj['kind'])}`);
      count++;
    }
  }
  assert.ok(count >= 20, `only ${count} manifests`);
});
