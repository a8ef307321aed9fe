/**
 * The protobuf wire format, on top of protobufjs' Reader and Writer: field tags, checked
 * lengths, strict UTF-8 strings, int64 as JS numbers, and skipping fields the tables do
 * not know. Every malformation (truncation, bad wire type, overlong length, invalid
 * UTF-8) becomes a 400 BadRequest — checked here, or, for protobufjs' own errors on the
 * hot reads, by `asBadRequest` around the whole decode. Nothing here knows messages or JSON.
 */
import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs/minimal.js';
import { ApiError, badRequest } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Deeper group nesting than any real sender produces: refused rather than recursed. */
const MAX_GROUP_DEPTH = 100;

export type Writer = protobuf.Writer;

export function malformed(why: string): ApiError {
  return badRequest(`the protobuf request body is malformed: ${why}`);
}

interface LongLike {
  low: number;
  high: number;
}

/** A two's-complement 64-bit value as the nearest JS number (exact up to 2^53). */
function longToNumber(v: LongLike | number, unsigned: boolean): number {
  if (typeof v === 'number') return v;
  const big = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return Number(unsigned ? big : BigInt.asIntN(64, big));
}

/**
 * Runs a protobufjs read, turning its RangeError/Error into a BadRequest. Hot reads skip
 * this (a closure per value costs) and rely on `asBadRequest` around the whole decode.
 */
function guard<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw asBadRequest(err);
  }
}

/** protobufjs reports truncation and bad varints as plain Errors; those are the client's fault. */
export function asBadRequest(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return malformed(err instanceof Error ? err.message : String(err));
}

/** True when buf[start, end) is plain ASCII: most Kubernetes strings, decoded without a UTF-8 check. */
function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

/**
 * Reads buf[start, end). Nested messages are read as ranges of the same buffer rather
 * than subarrays: a Buffer view per field costs more than decoding the field.
 */
export class WireReader {
  private readonly reader: protobuf.Reader;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.reader = protobuf.Reader.create(buf);
    this.reader.pos = start;
    this.reader.len = end;
  }

  get pos(): number {
    return this.reader.pos;
  }

  done(): boolean {
    return this.reader.pos >= this.reader.len;
  }

  /** The next tag as [field number, wire type]. */
  tag(): [number, number] {
    const tag = this.reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) throw malformed(`illegal tag 0 at offset ${this.reader.pos}`);
    if (wire > 5) throw malformed(`invalid wire type ${wire} at offset ${this.reader.pos}`);
    return [field, wire];
  }

  /** A length prefix, checked against what is left: never truncated to 32 bits, never past the end. */
  length(): number {
    const start = this.reader.pos;
    let n = this.reader.uint32();
    if (this.reader.pos - start > 4) {
      // uint32() drops bits above 2^32; read the varint again in full to refuse those.
      this.reader.pos = start;
      const long = guard(() => this.reader.uint64()) as LongLike;
      if (long.high !== 0) throw malformed(`length at offset ${start} is too large`);
      n = long.low >>> 0;
    }
    if (n > this.reader.len - this.reader.pos) {
      throw malformed(`length ${n} at offset ${start} runs past the end of the data (${this.reader.len - this.reader.pos} bytes left)`);
    }
    return n;
  }

  /** The bytes of a length-delimited field (a view, not a copy). */
  bytes(): Buffer {
    const n = this.length();
    const start = this.reader.pos;
    this.reader.pos += n;
    return this.buf.subarray(start, start + n);
  }

  /** The start of a length-delimited field's content; its end is `pos` afterwards. */
  range(): number {
    const n = this.length();
    const start = this.reader.pos;
    this.reader.pos += n;
    return start;
  }

  string(): string {
    const n = this.length();
    const start = this.reader.pos;
    const end = start + n;
    this.reader.pos = end;
    if (isAscii(this.buf, start, end)) return this.buf.toString('latin1', start, end);
    if (!isUtf8(this.buf.subarray(start, end))) throw malformed(`string at offset ${start} is not valid UTF-8`);
    return this.buf.toString('utf8', start, end);
  }

  int32(): number {
    return this.reader.int32();
  }

  uint32(): number {
    return this.reader.uint32();
  }

  int64(): number {
    return longToNumber(this.reader.int64() as LongLike | number, false);
  }

  uint64(): number {
    return longToNumber(this.reader.uint64() as LongLike | number, true);
  }

  bool(): boolean {
    return this.reader.bool();
  }

  double(): number {
    return this.reader.double();
  }

  float(): number {
    return this.reader.float();
  }

  /** Skips one field of the given wire type; groups are walked iteratively, with a depth bound. */
  skip(wire: number, field: number): void {
    switch (wire) {
      case WIRE_VARINT:
        guard(() => this.reader.skip());
        return;
      case WIRE_FIXED64:
        guard(() => this.reader.skip(8));
        return;
      case WIRE_BYTES: {
        const n = this.length();
        this.reader.pos += n;
        return;
      }
      case WIRE_FIXED32:
        guard(() => this.reader.skip(4));
        return;
      case WIRE_START_GROUP: {
        const open = [field];
        while (open.length) {
          if (open.length > MAX_GROUP_DEPTH) throw malformed(`groups nested more than ${MAX_GROUP_DEPTH} deep`);
          if (this.done()) throw malformed('a group is not closed before the end of the data');
          const [f, w] = this.tag();
          if (w === WIRE_START_GROUP) open.push(f);
          else if (w === WIRE_END_GROUP) {
            if (open.pop() !== f) throw malformed(`mismatched end of group ${f}`);
          } else this.skip(w, f);
        }
        return;
      }
      default:
        throw malformed(`unexpected wire type ${wire} for field ${field}`);
    }
  }
}

export function newWriter(): protobuf.Writer {
  return protobuf.Writer.create();
}
