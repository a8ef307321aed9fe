/**
 * Translation between etcd's wire forms and the storage contract: keys as latin1 bytes,
 * key ranges for prefixes, KeyValue and WatchEvent from etcd's messages, and the
 * recognisers for etcd's error texts.
 */
import type { IDuplexStream, IEvent, IKeyValue, IWatchRequest, IWatchResponse } from 'etcd3';
import type { KeyValue, WatchEvent } from '../../backend.js';
import { prefixEnd } from '../../limits.js';


/** etcd's "from this key to the end of the keyspace" (as range_end) and lowest key. */
export const NUL = Buffer.from([0]);
export const EMPTY = Buffer.alloc(0);

export type WatchGrpcStream = IDuplexStream<IWatchRequest, IWatchResponse>;

/** Keys are printable ASCII; latin1 maps bytes and characters one to one either way. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}

export function keyString(key: Buffer): string {
  return key.toString('latin1');
}

export function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Protobuf bytes fields arrive as Buffers, but an absent one may be null. */
export function bytesOf(value: Buffer | null | undefined): Buffer {
  return value ?? EMPTY;
}

/** etcd's [key, range_end) for everything under `prefix`; '' means the whole keyspace. */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  const end = prefixEnd(prefix);
  return { key: prefix === '' ? NUL : keyBytes(prefix), range_end: end === undefined ? NUL : keyBytes(end) };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const isCompactedError = (err: unknown) => messageOf(err).includes('required revision has been compacted');
export const isFutureRevisionError = (err: unknown) => messageOf(err).includes('required revision is a future revision');

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: keyString(kv.key),
    value: bytesOf(kv.value),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

export function toWatchEvent(ev: IEvent): WatchEvent {
  // The client library types prev_kv as always present; protobuf gives null when unset.
  const prev: IKeyValue | null | undefined = ev.prev_kv;
  // A tombstone's mod_revision is the revision of the delete itself.
  const revision = Number(ev.kv.mod_revision);
  if (String(ev.type).toUpperCase() === 'DELETE') {
    // etcd attaches prev_kv unless that revision was compacted in the instant between
    // the delete and the send; then the previous value is unknown.
    return {
      type: 'DELETE',
      key: keyString(ev.kv.key),
      prevValue: bytesOf(prev?.value),
      revision,
      createRevision: prev ? Number(prev.create_revision) : 0,
    };
  }
  const event: WatchEvent = {
    type: 'PUT',
    key: keyString(ev.kv.key),
    value: bytesOf(ev.kv.value),
    revision,
    createRevision: Number(ev.kv.create_revision),
  };
  if (prev) event.prevValue = bytesOf(prev.value);
  return event;
}

