/**
 * The generic shape every Kubernetes object shares, and small helpers over it. The
 * API server handles objects generically (by metadata) and leaves kind-specific
 * fields to each kind's strategy, which uses the precise types from kubernetes-types.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

export type { ObjectMeta };

/** kubernetes-types marks server-set fields read-only; the server is who sets them. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type MutableObjectMeta = Mutable<ObjectMeta>;

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: MutableObjectMeta;
  [field: string]: unknown;
}

/** An object whose metadata is known to be present (after the API server checked it). */
export interface StoredObject extends KubeObject {
  apiVersion: string;
  kind: string;
  metadata: MutableObjectMeta;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of JSON data (objects here never hold anything but JSON). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of JSON values; key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}
