/**
 * Kubernetes protobuf bodies ↔ JSON objects: the entry points the API server uses.
 * `decodeProtobufObject` opens the envelope, finds the table for (apiVersion, kind) and
 * decodes the object with apiVersion and kind set from the envelope; a kind without a
 * complete table is a 415 naming it, malformed bytes a 400. `encodeProtobufObject` is
 * the reverse, for protobuf responses and round-trip tests.
 */
import { unsupportedMediaType, badRequest } from '../errors.js';
import { decodeMessage } from './decode.js';
import { encodeMessage, type EncodeOptions } from './encode.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { defaultRegistry } from './registry.js';
import { asBadRequest } from './wire.js';
import type { MessageDef, SchemaRegistry } from './schema.js';

import { PROTOBUF_MEDIA_TYPE } from './media-type.js';

export { PROTOBUF_MEDIA_TYPE };

const incompleteCache = new WeakMap<MessageDef, string[]>();

function tableFor(registry: SchemaRegistry, apiVersion: string, kind: string): MessageDef {
  const msg = registry.kind(apiVersion, kind);
  if (!msg) {
    throw unsupportedMediaType(`protobuf bodies of kind ${kind} (${apiVersion}) are not supported by this server; send it as application/json`);
  }
  let missing = incompleteCache.get(msg);
  if (!missing) incompleteCache.set(msg, (missing = [...new Set(registry.unresolvedFrom(msg))]));
  if (missing.length) {
    throw unsupportedMediaType(`protobuf bodies of kind ${kind} (${apiVersion}) are not supported by this server (no table for ${missing.join(', ')}); send it as application/json`);
  }
  return msg;
}

function decodeAt(body: Buffer, depth: number, registry: SchemaRegistry): Record<string, unknown> {
  const env = decodeEnvelope(body);
  if (env.contentEncoding !== '') throw unsupportedMediaType(`protobuf content encoding ${JSON.stringify(env.contentEncoding)} is not supported`);
  if (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE) {
    throw unsupportedMediaType(`a protobuf envelope holding ${JSON.stringify(env.contentType)} is not supported`);
  }
  if (env.kind === '') throw badRequest("Object 'Kind' is missing in the protobuf envelope");
  if (env.apiVersion === '') throw badRequest(`Object 'apiVersion' is missing in the protobuf envelope of kind ${env.kind}`);
  const msg = tableFor(registry, env.apiVersion, env.kind);
  const object = decodeMessage(msg, env.raw, depth + 1, (raw, d) => decodeAt(raw, d, registry)) as Record<string, unknown>;
  // Go's TypeMeta prints kind first.
  return { kind: env.kind, apiVersion: env.apiVersion, ...object };
}

/** Decodes a `k8s\0`-prefixed protobuf body into the object's JSON form. */
export function decodeProtobufObject(body: Buffer, registry: SchemaRegistry = defaultRegistry()): Record<string, unknown> {
  try {
    return decodeAt(body, 0, registry);
  } catch (err) {
    throw asBadRequest(err);
  }
}

/** Encodes an object with apiVersion and kind into a `k8s\0`-prefixed protobuf body. */
export function encodeProtobufObject(object: Record<string, unknown>, opts: EncodeOptions = {}, registry: SchemaRegistry = defaultRegistry()): Buffer {
  const apiVersion = object['apiVersion'];
  const kind = object['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') throw badRequest('an object needs apiVersion and kind to be encoded as protobuf');
  return encodeEnvelope(apiVersion, kind, encodeMessage(tableFor(registry, apiVersion, kind), object, opts));
}
