/**
 * The informer's local cache (client-go's thread-safe store + indexers): objects by key,
 * and named indices from an index function's values to keys — by namespace always,
 * plus custom ones such as pods by spec.nodeName. Objects in it are shared: callers
 * treat them as read-only and copy before changing.
 */
import type { KubeObject } from '../api/object.js';
import type { ObjectLike } from './object.js';
import { objectKey } from './keys.js';

/** The index values of an object; an object may sit under several values, or none. */
export type IndexFunc<T> = (obj: T) => string[];

export const NAMESPACE_INDEX = 'namespace';

export const namespaceIndex: IndexFunc<ObjectLike> = (obj) => [obj.metadata?.namespace ?? ''];

/** Index by the value of one label (objects without it are not indexed). */
export function labelIndex(label: string): IndexFunc<ObjectLike> {
  return (obj) => {
    const value = obj.metadata?.labels?.[label];
    return value === undefined ? [] : [value];
  };
}

/** Index by a string field at a dotted path, e.g. `spec.nodeName`; empty values are not indexed. */
export function fieldIndex(path: string): IndexFunc<ObjectLike> {
  const parts = path.split('.');
  return (obj) => {
    let v: unknown = obj;
    for (const p of parts) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
    return typeof v === 'string' && v !== '' ? [v] : [];
  };
}

export class Indexer<T extends ObjectLike = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly funcs = new Map<string, IndexFunc<T>>();
  /** index name → value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<NoInfer<T>>> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: namespaceIndex as IndexFunc<T>, ...indexers });
  }

  /** Adds indices; objects already cached are indexed at once. A name may be added once. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.funcs.has(name)) throw new Error(`indexer ${name} already exists`);
      this.funcs.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) for (const value of fn(obj)) addTo(index, value, key);
    }
  }

  hasIndex(name: string): boolean {
    return this.funcs.has(name);
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  /** Adds or replaces the object under its key; returns what was there. */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    return old;
  }

  /** Removes the key; returns what was there. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (old) {
      this.unindex(key, old);
      this.items.delete(key);
    }
    return old;
  }

  /** Replaces the whole content (a relist). */
  replace(objects: T[]): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of objects) this.set(obj);
  }

  /** Objects whose index function gave `value` for index `name`. */
  byIndex(name: string, value: string): T[] {
    return this.indexKeys(name, value).map((k) => this.items.get(k)!);
  }

  indexKeys(name: string, value: string): string[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    return [...(index.get(value) ?? [])];
  }

  /** The values index `name` currently holds. */
  indexValues(name: string): string[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    return [...index.keys()];
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of this.funcs) for (const value of fn(obj)) addTo(this.indices.get(name)!, value, key);
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.funcs) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys && keys.size === 0) index.delete(value);
      }
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}
