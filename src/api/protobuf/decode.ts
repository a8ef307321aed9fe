/**
 * Table-driven decoding of one protobuf message into its Kubernetes JSON form: fields by
 * number, maps, packed or unpacked repeated scalars, inline (`^`) embedding, `@array`
 * wrappers, special forms, and Go's omitempty for plain scalars. Unknown field numbers
 * are skipped; a known field with the wrong wire type, or nesting deeper than
 * MAX_DECODE_DEPTH, is a BadRequest. Keys come out in table order, as Go prints them.
 */
import type { FieldDef, MessageDef, ScalarType, ValueType } from './schema.js';
import { decodeSpecial, type NestedDecoder } from './special.js';
import { WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, WireReader, malformed } from './wire.js';

/** The same bound the JSON path puts on a body's nesting. */
export const MAX_DECODE_DEPTH = 100;

const EMPTY = Buffer.alloc(0);

function scalarWire(t: ScalarType): number {
  switch (t) {
    case 'string':
    case 'bytes':
      return WIRE_BYTES;
    case 'double':
      return WIRE_FIXED64;
    case 'float':
      return WIRE_FIXED32;
    default:
      return WIRE_VARINT;
  }
}

function readScalar(r: WireReader, t: ScalarType): string | number | boolean {
  switch (t) {
    case 'string':
      return r.string();
    case 'bytes':
      // Go's encoding/json writes []byte as standard, padded base64.
      return r.bytes().toString('base64');
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'uint64':
      return r.uint64();
    case 'double':
      return r.double();
    case 'float':
      return r.float();
  }
}

function zeroScalar(t: ScalarType): string | number | boolean {
  if (t === 'string' || t === 'bytes') return '';
  if (t === 'bool') return false;
  return 0;
}

const isZero = (v: unknown): boolean => v === '' || v === 0 || v === false;

function describe(f: FieldDef, msg: MessageDef): string {
  return `${msg.fullName} field ${f.number}${f.name ? ` (${f.name})` : ''}`;
}

function checkWire(f: FieldDef, msg: MessageDef, wire: number, want: number): void {
  if (wire !== want) throw malformed(`${describe(f, msg)} has wire type ${wire}, expected ${want}`);
}

/** Decodes one value of a message or special type from buf[start, end). */
function decodeValue(t: ValueType, buf: Buffer, start: number, end: number, depth: number, nested: NestedDecoder): unknown {
  if (t.kind === 'special') return decodeSpecial(t.special, buf.subarray(start, end), depth, nested);
  if (t.kind === 'message') {
    if (!t.message) throw malformed(`no table for ${t.ref}`);
    return decodeRange(t.message, buf, start, end, depth + 1, nested);
  }
  return readScalar(new WireReader(buf, start, end), t.scalar);
}

function decodeMapEntry(f: FieldDef, msg: MessageDef, buf: Buffer, start: number, end: number, depth: number, nested: NestedDecoder): [string, unknown] {
  const r = new WireReader(buf, start, end);
  let key = '';
  let value: unknown;
  let valueStart = -1;
  let valueEnd = -1;
  const v = f.value;
  while (!r.done()) {
    const [n, wire] = r.tag();
    if (n === 1) {
      checkWire(f, msg, wire, WIRE_BYTES);
      key = r.string();
    } else if (n === 2) {
      if (v.kind === 'scalar') {
        checkWire(f, msg, wire, scalarWire(v.scalar));
        value = readScalar(r, v.scalar);
      } else {
        checkWire(f, msg, wire, WIRE_BYTES);
        valueStart = r.range();
        valueEnd = r.pos;
      }
    } else r.skip(wire, n);
  }
  if (v.kind === 'scalar') return [key, value ?? zeroScalar(v.scalar)];
  if (valueStart < 0) return [key, decodeValue(v, EMPTY, 0, 0, depth, nested)];
  return [key, decodeValue(v, buf, valueStart, valueEnd, depth, nested)];
}

/**
 * Decodes `bytes` as message `msg`. `depth` counts message levels from the envelope;
 * `nested` decodes envelopes embedded in RawExtension bytes.
 */
export function decodeMessage(msg: MessageDef, bytes: Buffer, depth: number, nested: NestedDecoder): unknown {
  return decodeRange(msg, bytes, 0, bytes.length, depth, nested);
}

function decodeRange(msg: MessageDef, buf: Buffer, start: number, end: number, depth: number, nested: NestedDecoder): unknown {
  if (depth > MAX_DECODE_DEPTH) throw malformed(`messages nested more than ${MAX_DECODE_DEPTH} levels deep`);
  const r = new WireReader(buf, start, end);
  // Per field index: a scalar, an array, a map object, or the [start, end) ranges of a
  // singular message (proto merges repeated occurrences: decoding their concatenation).
  const slots: unknown[] = new Array(msg.fields.length);
  while (!r.done()) {
    const [n, wire] = r.tag();
    const f = msg.byNumber.get(n);
    if (!f) {
      r.skip(wire, n);
      continue;
    }
    const v = f.value;
    if (f.map) {
      checkWire(f, msg, wire, WIRE_BYTES);
      const entryStart = r.range();
      const [key, value] = decodeMapEntry(f, msg, buf, entryStart, r.pos, depth + 1, nested);
      const obj = (slots[f.index] ??= {}) as Record<string, unknown>;
      obj[key] = value;
    } else if (f.repeated) {
      const arr = (slots[f.index] ??= []) as unknown[];
      if (v.kind !== 'scalar') {
        checkWire(f, msg, wire, WIRE_BYTES);
        const itemStart = r.range();
        arr.push(decodeValue(v, buf, itemStart, r.pos, depth + 1, nested));
      } else {
        const want = scalarWire(v.scalar);
        if (wire === WIRE_BYTES && want !== WIRE_BYTES) {
          const packedStart = r.range();
          const packed = new WireReader(buf, packedStart, r.pos);
          while (!packed.done()) arr.push(readScalar(packed, v.scalar));
        } else {
          checkWire(f, msg, wire, want);
          arr.push(readScalar(r, v.scalar));
        }
      }
    } else if (v.kind === 'scalar') {
      checkWire(f, msg, wire, scalarWire(v.scalar));
      slots[f.index] = readScalar(r, v.scalar);
    } else {
      checkWire(f, msg, wire, WIRE_BYTES);
      const chunkStart = r.range();
      ((slots[f.index] ??= []) as number[]).push(chunkStart, r.pos);
    }
  }

  if (msg.array) return slots[0] ?? [];
  const out: Record<string, unknown> = {};
  for (const f of msg.fields) {
    const slot = slots[f.index];
    if (slot === undefined) continue;
    if (f.map || f.repeated) {
      out[f.name!] = slot;
      continue;
    }
    if (f.value.kind === 'scalar') {
      if (f.pointer || !isZero(slot)) out[f.name!] = slot;
      continue;
    }
    const ranges = slot as number[];
    let value: unknown;
    if (ranges.length === 2) value = decodeValue(f.value, buf, ranges[0]!, ranges[1]!, depth, nested);
    else {
      const parts: Buffer[] = [];
      for (let i = 0; i < ranges.length; i += 2) parts.push(buf.subarray(ranges[i]!, ranges[i + 1]!));
      const joined = Buffer.concat(parts);
      value = decodeValue(f.value, joined, 0, joined.length, depth, nested);
    }
    if (f.name === null) Object.assign(out, value);
    else out[f.name] = value;
  }
  return out;
}
