/**
 * Object keys as client-go makes them (MetaNamespaceKeyFunc): `namespace/name`, or
 * `name` for cluster-scoped objects. Caches index by them and work queues carry them.
 */
import type { ObjectLike } from './object.js';

export function objectKey(obj: ObjectLike): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
