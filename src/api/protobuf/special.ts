/**
 * The wire forms Kubernetes gives its own value types, and their JSON: metav1.Time and
 * MicroTime (a Timestamp, null when zero), metav1.Duration (nanoseconds ↔ Go duration
 * text), intstr.IntOrString, resource.Quantity (its string), runtime.RawExtension and
 * metav1.FieldsV1 (embedded JSON bytes). Decoding follows what the Go types' JSON
 * marshalers print; encoding follows what their protobuf marshalers write.
 */
import type { SpecialType } from './schema.js';
import { formatGoDuration, parseGoDuration } from './go-duration.js';
import { WIRE_BYTES, WIRE_VARINT, WireReader, malformed, type Writer } from './wire.js';

/** Go's zero time.Time as Unix seconds: its JSON form is null, like an empty message. */
const GO_ZERO_TIME_SECONDS = -62_135_596_800;
/** Decodes an embedded envelope (RawExtension bytes that start with the protobuf magic). */
export type NestedDecoder = (bytes: Buffer, depth: number) => unknown;

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

function expectWire(field: number, wire: number, want: number, what: string): void {
  if (wire !== want) throw malformed(`${what} field ${field} has wire type ${wire}, expected ${want}`);
}

function readTimestamp(bytes: Buffer): { seconds: number; nanos: number } {
  const r = new WireReader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1) {
      expectWire(field, wire, WIRE_VARINT, 'Timestamp');
      seconds = r.int64();
    } else if (field === 2) {
      expectWire(field, wire, WIRE_VARINT, 'Timestamp');
      nanos = r.int32();
    } else r.skip(wire, field);
  }
  return { seconds, nanos };
}

function timeJson(bytes: Buffer, micro: boolean): string | null {
  if (bytes.length === 0) return null;
  const { seconds, nanos } = readTimestamp(bytes);
  if (seconds === GO_ZERO_TIME_SECONDS && nanos === 0) return null;
  if (nanos < 0 || nanos > 999_999_999) throw malformed(`timestamp nanos ${nanos} out of range`);
  const date = new Date(seconds * 1000);
  const year = date.getUTCFullYear();
  // Go refuses to marshal years outside [0,9999] to JSON.
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) throw malformed(`timestamp ${seconds} is outside years 0-9999`);
  const base = date.toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

function durationJson(bytes: Buffer): string {
  const r = new WireReader(bytes);
  let ns = 0n;
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1) {
      expectWire(field, wire, WIRE_VARINT, 'Duration');
      ns = BigInt(r.int64());
    } else r.skip(wire, field);
  }
  return formatGoDuration(ns);
}

function intOrStringJson(bytes: Buffer): number | string {
  const r = new WireReader(bytes);
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1) {
      expectWire(field, wire, WIRE_VARINT, 'IntOrString');
      type = r.int64();
    } else if (field === 2) {
      expectWire(field, wire, WIRE_VARINT, 'IntOrString');
      intVal = r.int32();
    } else if (field === 3) {
      expectWire(field, wire, WIRE_BYTES, 'IntOrString');
      strVal = r.string();
    } else r.skip(wire, field);
  }
  if (type === 0) return intVal;
  if (type === 1) return strVal;
  throw malformed(`IntOrString type ${type} is neither 0 (int) nor 1 (string)`);
}

/** The single length-delimited field 1 of Quantity, RawExtension and FieldsV1; null when absent. */
function field1Bytes(bytes: Buffer, what: string): Buffer | null {
  const r = new WireReader(bytes);
  let out: Buffer | null = null;
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1) {
      expectWire(field, wire, WIRE_BYTES, what);
      out = r.bytes();
    } else r.skip(wire, field);
  }
  return out;
}

function quantityJson(bytes: Buffer): string {
  const r = new WireReader(bytes);
  let s = '';
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1) {
      expectWire(field, wire, WIRE_BYTES, 'Quantity');
      s = r.string();
    } else r.skip(wire, field);
  }
  return s;
}

function embeddedJson(raw: Buffer | null, what: string, depth: number, nested: NestedDecoder): unknown {
  if (raw === null || raw.length === 0) return null;
  if (raw.subarray(0, 4).equals(PROTOBUF_MAGIC)) return nested(raw, depth + 1);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw malformed(`${what} does not hold JSON: ${(err as Error).message}`);
  }
}

export function decodeSpecial(type: SpecialType, bytes: Buffer, depth: number, nested: NestedDecoder): unknown {
  switch (type) {
    case 'Time':
      return timeJson(bytes, false);
    case 'MicroTime':
      return timeJson(bytes, true);
    case 'Duration':
      return durationJson(bytes);
    case 'IntOrString':
      return intOrStringJson(bytes);
    case 'Quantity':
      return quantityJson(bytes);
    case 'RawExtension':
      return embeddedJson(field1Bytes(bytes, 'RawExtension'), 'RawExtension', depth, nested);
    case 'FieldsV1':
      return embeddedJson(field1Bytes(bytes, 'FieldsV1'), 'FieldsV1', depth, nested);
  }
}

/** Thrown for JSON that cannot be written as a special form; the caller names the field. */
export class SpecialEncodeError extends Error {}

function parseTime(v: string): { seconds: number; nanos: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(v);
  const ms = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8]!.toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new SpecialEncodeError(`${JSON.stringify(v)} is not an RFC 3339 time`);
  return { seconds: Math.floor(ms / 1000), nanos: Number((m[7] ?? '').padEnd(9, '0')) };
}

/** Writes the body of a special-form message (the caller wraps it in a length-delimited field). */
export function encodeSpecial(type: SpecialType, value: unknown, w: Writer): void {
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      // Go writes nothing inside for the zero time; JSON null is that zero time.
      if (value === null) return;
      if (typeof value !== 'string') throw new SpecialEncodeError(`${type} must be a string`);
      const { seconds, nanos } = parseTime(value);
      w.uint32(8).int64(seconds);
      // metav1.Time keeps whole seconds; MicroTime keeps microseconds.
      const kept = type === 'Time' ? 0 : nanos - (nanos % 1000);
      if (kept !== 0) w.uint32(16).int32(kept);
      return;
    }
    case 'Duration': {
      if (typeof value !== 'string') throw new SpecialEncodeError('Duration must be a string');
      let ns: bigint;
      try {
        ns = parseGoDuration(value);
      } catch (err) {
        throw new SpecialEncodeError((err as Error).message);
      }
      w.uint32(8).int64(ns.toString());
      return;
    }
    case 'IntOrString':
      if (typeof value === 'number') {
        if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new SpecialEncodeError(`${value} is not an int32`);
        w.uint32(8).int64(0).uint32(16).int32(value).uint32(26).string('');
        return;
      }
      if (typeof value !== 'string') throw new SpecialEncodeError('IntOrString must be a number or a string');
      w.uint32(8).int64(1).uint32(16).int32(0).uint32(26).string(value);
      return;
    case 'Quantity':
      if (typeof value === 'number') value = String(value);
      if (typeof value !== 'string') throw new SpecialEncodeError('Quantity must be a string');
      w.uint32(10).string(value);
      return;
    case 'RawExtension':
    case 'FieldsV1':
      if (value === null) return;
      w.uint32(10).bytes(Buffer.from(JSON.stringify(value)));
      return;
  }
}
