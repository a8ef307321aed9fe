/**
 * A set of field paths, the unit of ownership in server-side apply, stored as a trie
 * keyed by serialized path elements exactly as they appear in `FieldsV1`:
 * `f:<field>` (struct field or map key), `k:<json of the key fields>` (an item of a
 * keyed list), `v:<json value>` (an item of a set) and `i:<index>` (an item of an
 * atomic-by-position list). A node's `members` are the paths that end there; its
 * `children` continue deeper. In FieldsV1 a member that also has children is written
 * as `".": {}` inside the child's object.
 */
import { isPlainObject } from '../object.js';

/** One serialized path element, e.g. `f:spec`, `k:{"name":"web"}`. */
export type PathElement = string;
export type FieldPath = readonly PathElement[];

/**
 * The same few hundred field names recur in every object, so their elements are kept:
 * the one string, once used as a property key (fieldsV1 objects are keyed by them), is
 * interned, where a fresh concatenation would be hashed and looked up on every use.
 */
const fieldElements = new Map<string, PathElement>();
const FIELD_ELEMENTS_KEPT = 4096;

export function fieldElement(name: string): PathElement {
  let pe = fieldElements.get(name);
  if (pe === undefined) {
    pe = `f:${name}`;
    if (fieldElements.size >= FIELD_ELEMENTS_KEPT) fieldElements.clear();
    fieldElements.set(name, pe);
  }
  return pe;
}
export const valueElement = (value: unknown): PathElement => `v:${JSON.stringify(value)}`;
export const indexElement = (index: number): PathElement => `i:${index}`;

/** `k:` element for a keyed list item: key fields in name order, as upstream sorts them. */
export function keyElement(item: Record<string, unknown>, keys: readonly string[]): PathElement {
  // One key (most keyed lists: by name) needs no sorting; every list item comes here.
  if (keys.length === 1) {
    const k = keys[0]!;
    return item[k] === undefined ? 'k:{}' : `k:{${jsonText(k)}:${jsonText(item[k])}}`;
  }
  const sorted = [...keys].sort();
  const parts = sorted.filter((k) => item[k] !== undefined).map((k) => `${jsonText(k)}:${jsonText(item[k])}`);
  return `k:{${parts.join(',')}}`;
}

/** What JSON.stringify escapes in a string: quote, backslash, control characters, lone surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify's text, without entering the serializer for the usual plain name or number. */
function jsonText(value: unknown): string {
  if (typeof value === 'string' && !NEEDS_ESCAPE.test(value)) return `"${value}"`;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

const ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Upstream's order: fields, then keys, then values, then indices; within a kind by content. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ka = ORDER[a[0]!] ?? 4;
  const kb = ORDER[b[0]!] ?? 4;
  if (ka !== kb) return ka - kb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export class FieldSet {
  readonly members = new Set<PathElement>();
  readonly children = new Map<PathElement, FieldSet>();

  static fromPaths(paths: Iterable<FieldPath>): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.child(path[i]!);
    node.members.add(path[path.length - 1]!);
  }

  has(path: FieldPath): boolean {
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i]!);
    return node !== undefined && path.length > 0 && node.members.has(path[path.length - 1]!);
  }

  child(element: PathElement): FieldSet {
    let c = this.children.get(element);
    if (!c) this.children.set(element, (c = new FieldSet()));
    return c;
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** Every path in the set, depth first. */
  *paths(prefix: PathElement[] = []): Generator<PathElement[]> {
    for (const m of [...this.members].sort(comparePathElements)) yield [...prefix, m];
    for (const [pe, c] of [...this.children].sort(([a], [b]) => comparePathElements(a, b))) yield* c.paths([...prefix, pe]);
  }

  size(): number {
    let n = this.members.size;
    for (const c of this.children.values()) n += c.size();
    return n;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  addAll(other: FieldSet): void {
    for (const m of other.members) this.members.add(m);
    for (const [pe, c] of other.children) this.child(pe).addAll(c);
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      const d = o ? c.difference(o) : c.clone();
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.isEmpty()) out.children.set(pe, i);
    }
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, c] of this.children) out.children.set(pe, c.clone());
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** The `fieldsV1` JSON form, keys in upstream's order. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.writeFieldsV1(out);
    return out;
  }

  /**
   * Writes this node's elements into `out`; false when there are none (an empty node).
   * One pass: each child is rendered once, and an empty one leaves no trace.
   */
  private writeFieldsV1(out: Record<string, unknown>): boolean {
    const keys: PathElement[] = [];
    let rendered: Map<PathElement, Record<string, unknown>> | undefined;
    for (const [pe, c] of this.children) {
      // A member that also has children is written as `".": {}` first in the child's object.
      const inner: Record<string, unknown> = this.members.has(pe) ? { '.': {} } : {};
      if (!c.writeFieldsV1(inner)) continue;
      (rendered ??= new Map()).set(pe, inner);
      keys.push(pe);
    }
    for (const m of this.members) if (!rendered?.has(m)) keys.push(m);
    if (keys.length === 0) return false;
    keys.sort(comparePathElements);
    for (const pe of keys) out[pe] = rendered?.get(pe) ?? {};
    return true;
  }

  /** Reads `fieldsV1`; throws on anything that is not a set of valid path elements. */
  static fromFieldsV1(value: unknown): FieldSet {
    const set = new FieldSet();
    readInto(set, value, 0);
    return set;
  }
}

function readInto(set: FieldSet, value: unknown, depth: number): void {
  if (depth > 100) throw new Error('fieldsV1 nests too deeply');
  if (!isPlainObject(value)) throw new Error('fieldsV1 must be an object');
  for (const [pe, inner] of Object.entries(value)) {
    if (pe === '.') continue;
    if (!/^[fkvi]:/.test(pe)) throw new Error(`fieldsV1 has an invalid path element ${JSON.stringify(pe)}`);
    if (!isPlainObject(inner)) throw new Error(`fieldsV1 element ${pe} must map to an object`);
    const keys = Object.keys(inner);
    if (keys.length === 0 || '.' in inner) set.members.add(pe);
    if (keys.some((k) => k !== '.')) readInto(set.child(pe), inner, depth + 1);
  }
}

/** A path as upstream prints it in conflicts: `.spec.containers[name="web"].image`. */
export function formatPath(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const fields = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(fields)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
