/**
 * The envelope every Kubernetes protobuf body travels in: the magic bytes `k8s\0`, then
 * a runtime.Unknown {1 TypeMeta{1 apiVersion, 2 kind}, 2 raw object bytes,
 * 3 contentEncoding, 4 contentType}. This file reads and writes that frame only; the
 * object inside is the codec's business.
 */
import { PROTOBUF_MAGIC } from './special.js';
import { WIRE_BYTES, WireReader, malformed, newWriter } from './wire.js';

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
  contentType: string;
}

function field(n: number, wire: number, want: number): void {
  if (wire !== want) throw malformed(`envelope field ${n} has wire type ${wire}, expected ${want}`);
}

function readTypeMeta(bytes: Buffer): { apiVersion: string; kind: string } {
  const r = new WireReader(bytes);
  let apiVersion = '';
  let kind = '';
  while (!r.done()) {
    const [n, wire] = r.tag();
    if (n === 1 || n === 2) {
      field(n, wire, WIRE_BYTES);
      if (n === 1) apiVersion = r.string();
      else kind = r.string();
    } else r.skip(wire, n);
  }
  return { apiVersion, kind };
}

export function hasProtobufMagic(body: Buffer): boolean {
  return body.length >= PROTOBUF_MAGIC.length && body.subarray(0, PROTOBUF_MAGIC.length).equals(PROTOBUF_MAGIC);
}

export function decodeEnvelope(body: Buffer): Envelope {
  if (!hasProtobufMagic(body)) {
    throw malformed(`the data does not start with the protobuf prefix [${[...PROTOBUF_MAGIC].join(' ')}]`);
  }
  const r = new WireReader(body.subarray(PROTOBUF_MAGIC.length));
  const env: Envelope = { apiVersion: '', kind: '', raw: Buffer.alloc(0), contentEncoding: '', contentType: '' };
  while (!r.done()) {
    const [n, wire] = r.tag();
    switch (n) {
      case 1:
        field(n, wire, WIRE_BYTES);
        Object.assign(env, readTypeMeta(r.bytes()));
        break;
      case 2:
        field(n, wire, WIRE_BYTES);
        env.raw = r.bytes();
        break;
      case 3:
        field(n, wire, WIRE_BYTES);
        env.contentEncoding = r.string();
        break;
      case 4:
        field(n, wire, WIRE_BYTES);
        env.contentType = r.string();
        break;
      default:
        r.skip(wire, n);
    }
  }
  return env;
}

export function encodeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = newWriter();
  w.uint32(10).fork().uint32(10).string(apiVersion).uint32(18).string(kind).ldelim();
  w.uint32(18).bytes(raw);
  // Go writes the two empty strings too (non-pointer proto2 fields).
  w.uint32(26).string('').uint32(34).string('');
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}
