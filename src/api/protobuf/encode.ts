/**
 * Table-driven encoding of a Kubernetes JSON object into protobuf message bytes, the
 * way Go's generated marshalers lay them out: fields in number order, map entries sorted
 * by key, repeated scalars unpacked, inline (`^`) structs as nested messages. Used by
 * round-trip tests and for protobuf responses. Values of the wrong JSON type throw a
 * ProtobufEncodeError naming the field path; keys without a table entry are dropped, or
 * refused when `strict` is set.
 */
import type { FieldDef, MessageDef, ScalarType, ValueType } from './schema.js';
import { SpecialEncodeError, encodeSpecial } from './special.js';
import { WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, newWriter, type Writer } from './wire.js';

export class ProtobufEncodeError extends Error {
  override readonly name = 'ProtobufEncodeError';
}

export interface EncodeOptions {
  /** Refuse JSON keys the table does not know instead of dropping them. */
  strict?: boolean;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const tag = (n: number, wire: number): number => ((n << 3) | wire) >>> 0;

function scalarWire(t: ScalarType): number {
  if (t === 'string' || t === 'bytes') return WIRE_BYTES;
  if (t === 'double') return WIRE_FIXED64;
  if (t === 'float') return WIRE_FIXED32;
  return WIRE_VARINT;
}

function fail(path: string, why: string): never {
  throw new ProtobufEncodeError(`${path}: ${why}`);
}

function integer(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return v;
}

function writeScalar(w: Writer, t: ScalarType, v: unknown, path: string): void {
  switch (t) {
    case 'string':
      if (typeof v !== 'string') fail(path, `expected a string, got ${JSON.stringify(v)}`);
      w.string(v);
      return;
    case 'bytes':
      if (typeof v !== 'string' || !BASE64.test(v)) fail(path, 'expected a base64 string');
      w.bytes(Buffer.from(v, 'base64'));
      return;
    case 'bool':
      if (typeof v !== 'boolean') fail(path, `expected a boolean, got ${JSON.stringify(v)}`);
      w.bool(v);
      return;
    case 'int32':
      w.int32(integer(v, path, -(2 ** 31), 2 ** 31 - 1));
      return;
    case 'uint32':
      w.uint32(integer(v, path, 0, 2 ** 32 - 1));
      return;
    case 'int64':
      w.int64(integer(v, path, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
      return;
    case 'uint64':
      w.uint64(integer(v, path, 0, Number.MAX_SAFE_INTEGER));
      return;
    case 'double':
    case 'float':
      if (typeof v !== 'number') fail(path, `expected a number, got ${JSON.stringify(v)}`);
      if (t === 'double') w.double(v);
      else w.float(v);
      return;
  }
}

/** JSON names a message accepts, its inline members' included. */
const namesCache = new WeakMap<MessageDef, Set<string>>();
function jsonNames(msg: MessageDef): Set<string> {
  let names = namesCache.get(msg);
  if (!names) {
    names = new Set();
    for (const f of msg.fields) {
      if (f.name !== null) names.add(f.name);
      else if (f.value.kind === 'message' && f.value.message) for (const n of jsonNames(f.value.message)) names.add(n);
    }
    namesCache.set(msg, names);
  }
  return names;
}

function writeValue(w: Writer, n: number, t: ValueType, v: unknown, path: string, opts: EncodeOptions): void {
  if (t.kind === 'scalar') {
    w.uint32(tag(n, scalarWire(t.scalar)));
    writeScalar(w, t.scalar, v, path);
    return;
  }
  w.uint32(tag(n, WIRE_BYTES)).fork();
  if (t.kind === 'special') {
    try {
      encodeSpecial(t.special, v, w);
    } catch (err) {
      if (err instanceof SpecialEncodeError) fail(path, err.message);
      throw err;
    }
  } else {
    if (!t.message) fail(path, `no table for ${t.ref}`);
    writeMessage(w, t.message, v, path, opts);
  }
  w.ldelim();
}

function writeField(w: Writer, f: FieldDef, obj: Record<string, unknown>, path: string, opts: EncodeOptions): void {
  if (f.name === null) {
    // Inline: the embedded struct's fields live in the parent's JSON object.
    if (f.value.kind !== 'message' || !f.value.message) fail(path, 'inline field without a message table');
    w.uint32(tag(f.number, WIRE_BYTES)).fork();
    writeMessage(w, f.value.message, obj, path, opts, false);
    w.ldelim();
    return;
  }
  const v = obj[f.name];
  const here = `${path}.${f.name}`;
  if (v === undefined) return;
  if (v === null) {
    // null is the zero time or an absent raw object; for anything else it is absence.
    if (f.value.kind === 'special' && !f.repeated && !f.map) writeValue(w, f.number, f.value, null, here, opts);
    return;
  }
  if (f.map) {
    if (typeof v !== 'object' || Array.isArray(v)) fail(here, 'expected an object');
    const entries = v as Record<string, unknown>;
    for (const key of Object.keys(entries).sort()) {
      w.uint32(tag(f.number, WIRE_BYTES)).fork();
      w.uint32(tag(1, WIRE_BYTES)).string(key);
      writeValue(w, 2, f.value, entries[key], `${here}[${JSON.stringify(key)}]`, opts);
      w.ldelim();
    }
    return;
  }
  if (f.repeated) {
    if (!Array.isArray(v)) fail(here, 'expected an array');
    v.forEach((item, i) => writeValue(w, f.number, f.value, item, `${here}[${i}]`, opts));
    return;
  }
  writeValue(w, f.number, f.value, v, here, opts);
}

/** `checkKeys` is off for an inline struct: its parent already checked the shared object. */
function writeMessage(w: Writer, msg: MessageDef, value: unknown, path: string, opts: EncodeOptions, checkKeys = opts.strict === true): void {
  if (msg.array) {
    const f = msg.fields[0]!;
    if (!Array.isArray(value)) fail(path, 'expected an array');
    value.forEach((item, i) => writeValue(w, f.number, f.value, item, `${path}[${i}]`, opts));
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected an object');
  const obj = value as Record<string, unknown>;
  if (checkKeys) {
    const names = jsonNames(msg);
    for (const key of Object.keys(obj)) if (!names.has(key)) fail(`${path}.${key}`, `${msg.fullName} has no field ${key}`);
  }
  for (const f of msg.wireOrder) writeField(w, f, obj, path, opts);
}

/** The message bytes of `value` (no envelope). Top-level apiVersion and kind are not fields. */
export function encodeMessage(msg: MessageDef, value: unknown, opts: EncodeOptions = {}): Uint8Array {
  let body = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { apiVersion: _a, kind: _k, ...rest } = value as Record<string, unknown>;
    body = rest;
  }
  const w = newWriter();
  writeMessage(w, msg, body, '', opts);
  return w.finish();
}
