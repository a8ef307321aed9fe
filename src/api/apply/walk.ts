/**
 * Walking an object by its apply type: which field set a value covers (every leaf,
 * every map entry, every list item — the same paths upstream's managedFields record),
 * and how two values of the same type differ (added, removed, modified paths).
 */
import { isPlainObject, jsonEqual } from '../object.js';
import { FieldSet, fieldElement, keyElement, valueElement, type PathElement } from './field-set.js';
import { childType, isAtomic, isMapEntry, type ApplyType } from './schema-type.js';

export class DuplicateItemError extends Error {}

/** The path element of a list item: its key fields (keyed lists) or its whole value (sets). */
function itemElement(type: ApplyType & { kind: 'list' }, item: unknown): PathElement {
  return type.listType === 'map' && isPlainObject(item) ? keyElement(item, type.keys) : valueElement(item);
}

function duplicateItem(pe: PathElement): DuplicateItemError {
  return new DuplicateItemError(`duplicate entries for key ${pe.slice(2)}`);
}

/** The items of a granular list with their path elements; throws on duplicate keys. */
export function listItems(type: ApplyType & { kind: 'list' }, list: unknown[]): Map<PathElement, unknown> {
  const out = new Map<PathElement, unknown>();
  for (const item of list) {
    const pe = itemElement(type, item);
    if (out.has(pe)) throw duplicateItem(pe);
    out.set(pe, item);
  }
  return out;
}

/** Whether the value is walked into (granular container) rather than owned whole. */
function granular(type: ApplyType, value: unknown): boolean {
  if (isAtomic(type, value)) return false;
  if (type.kind === 'list') return Array.isArray(value);
  return isPlainObject(value);
}

/** Every path a value covers, under `into` (a node of the result trie). */
export function fieldsOf(value: unknown, type: ApplyType, into: FieldSet = new FieldSet()): FieldSet {
  collect(value, type, into);
  return into;
}

function collect(value: unknown, type: ApplyType, node: FieldSet): void {
  if (type.kind === 'list' && Array.isArray(value)) {
    for (const [pe, item] of listItems(type, value)) {
      node.members.add(pe);
      const t = type.element();
      if (granular(t, item)) collect(item, t, node.child(pe));
    }
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [name, child] of Object.entries(value)) {
    const pe = fieldElement(name);
    const t = childType(type, name);
    if (granular(t, child)) {
      collect(child, t, node.child(pe));
      if (isMapEntry(type, name)) node.members.add(pe);
    } else {
      node.members.add(pe);
    }
  }
}

/**
 * The FieldsV1 form of `fieldsOf(value, type).difference(ignored)`, rendered in one walk
 * without building the FieldSet (a create's Update entry: the whole object, every
 * create). Undefined when no field remains. Same output, key order included, as
 * FieldSet.toFieldsV1 of that set.
 */
export function fieldsV1Of(value: unknown, type: ApplyType, ignored: FieldSet | undefined): Record<string, unknown> | undefined {
  return render(value, type, ignored, false);
}

/**
 * One node of `fieldsV1Of`. `member`: the node's own path is in the set, written as
 * `".": {}` first in its object when it has children. Elements here are only `f:`, `k:`
 * and `v:` (positional lists are atomic, never walked into), and upstream's order for
 * those (fields, keys, values; each by content) is plain string order, the kind letters
 * sorting f < k < v. Every create runs this over the whole object, so it allocates
 * little (it was a fifth of a pod create's allocations): an object's fields are its
 * sorted keys (the `f:` prefix keeps their order) written straight into the result; a
 * list's items, whose elements are computed, are gathered and sorted, every item an
 * element (undefined when it renders nothing) so that duplicates, adjacent once in
 * order, are found without a set.
 */
function render(value: unknown, type: ApplyType, ignored: FieldSet | undefined, member: boolean): Record<string, unknown> | undefined {
  if (type.kind === 'list' && Array.isArray(value)) return renderList(value, type, ignored, member);
  if (!isPlainObject(value)) return undefined;
  const names = Object.keys(value);
  if (!isSorted(names)) sortInPlace(names);
  let out: Record<string, unknown> | undefined;
  for (const name of names) {
    const pe = fieldElement(name);
    const t = childType(type, name);
    const child = value[name];
    let rendered: Record<string, unknown> | undefined;
    if (granular(t, child)) {
      const isMember = isMapEntry(type, name) && !ignored?.members.has(pe);
      rendered = render(child, t, ignored?.children.get(pe), isMember) ?? (isMember ? LEAF : undefined);
    } else if (!ignored?.members.has(pe)) rendered = LEAF;
    if (rendered) (out ??= member ? { '.': LEAF } : {})[pe] = rendered;
  }
  return out;
}

function renderList(list: unknown[], type: ApplyType & { kind: 'list' }, ignored: FieldSet | undefined, member: boolean): Record<string, unknown> | undefined {
  const t = type.element();
  const elements: PathElement[] = new Array<PathElement>(list.length);
  const inner: (Record<string, unknown> | undefined)[] = new Array<Record<string, unknown> | undefined>(list.length);
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const pe = itemElement(type, item);
    const isMember = !ignored?.members.has(pe);
    const child = granular(t, item) ? render(item, t, ignored?.children.get(pe), isMember) : undefined;
    elements[i] = pe;
    inner[i] = child ?? (isMember ? LEAF : undefined);
  }
  if (!isSorted(elements)) sortTogether(elements, inner);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < elements.length; i++) {
    if (i > 0 && elements[i] === elements[i - 1]) throw duplicateItem(elements[i]!);
    const child = inner[i];
    if (child) (out ??= member ? { '.': LEAF } : {})[elements[i]!] = child;
  }
  return out;
}

/** Up to this many elements a node is insertion-sorted (it allocates nothing); past it, quadratic time would cost more than the built-in sort's allocations. */
const INSERTION_SORT_MAX = 16;

/** Sorts `keys` in string order (a map can have thousands of keys; most objects a handful). */
function sortInPlace(keys: string[]): void {
  if (keys.length > INSERTION_SORT_MAX) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
}

/**
 * Every leaf of a rendered set is `{}`: one shared (frozen, so that nothing can fill it
 * in for all of them) instead of one per field — a third of the renderer's allocations.
 */
const LEAF: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/** Sorts `keys` in string order, moving each of `values` with its key. */
function sortTogether<T>(keys: string[], values: T[]): void {
  if (keys.length > INSERTION_SORT_MAX) {
    const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    const k = order.map((i) => keys[i]!);
    const v = order.map((i) => values[i]!);
    for (let i = 0; i < order.length; i++) {
      keys[i] = k[i]!;
      values[i] = v[i]!;
    }
    return;
  }
  // Insertion sort: a node has a handful of elements, and this allocates nothing.
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    const value = values[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) {
      keys[j + 1] = keys[j]!;
      values[j + 1] = values[j]!;
    }
    keys[j + 1] = key;
    values[j + 1] = value;
  }
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/** How `after` differs from `before`, path by path. */
export function compare(before: unknown, after: unknown, type: ApplyType): Comparison {
  const result: Comparison = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  diffContainer(before, after, type, [], result);
  return result;
}

function diffContainer(before: unknown, after: unknown, type: ApplyType, path: PathElement[], out: Comparison): void {
  if (type.kind === 'list' && (Array.isArray(before) || Array.isArray(after))) {
    const b = Array.isArray(before) ? listItems(type, before) : new Map<PathElement, unknown>();
    const a = Array.isArray(after) ? listItems(type, after) : new Map<PathElement, unknown>();
    diffEntries(b, a, type.element(), false, path, out, () => true);
    return;
  }
  const b = isPlainObject(before) ? before : {};
  const a = isPlainObject(after) ? after : {};
  diffEntries(new Map(Object.entries(b).map(([k, v]) => [fieldElement(k), v])), new Map(Object.entries(a).map(([k, v]) => [fieldElement(k), v])), type, true, path, out, (pe) =>
    isMapEntry(type, pe.slice(2)),
  );
}

function diffEntries(
  before: Map<PathElement, unknown>,
  after: Map<PathElement, unknown>,
  type: ApplyType,
  byField: boolean,
  path: PathElement[],
  out: Comparison,
  ownsEntry: (pe: PathElement) => boolean,
): void {
  const seen = new Set<PathElement>([...before.keys(), ...after.keys()]);
  for (const pe of seen) {
    const b = before.get(pe);
    const a = after.get(pe);
    const t = byField ? childType(type, pe.slice(2)) : type;
    const p = [...path, pe];
    const bGranular = b !== undefined && granular(t, b);
    const aGranular = a !== undefined && granular(t, a);
    if (bGranular || aGranular) {
      if (ownsEntry(pe)) {
        if (b === undefined) out.added.insert(p);
        else if (a === undefined) out.removed.insert(p);
      }
      if (bGranular && aGranular) diffContainer(b, a, t, p, out);
      else if (aGranular) {
        if (b !== undefined) out.modified.insert(p);
        fieldsOf(a, t, nodeAt(out.added, p));
      } else {
        if (a !== undefined) out.modified.insert(p);
        fieldsOf(b, t, nodeAt(out.removed, p));
      }
      continue;
    }
    if (b === undefined) out.added.insert(p);
    else if (a === undefined) out.removed.insert(p);
    else if (!jsonEqual(a, b)) out.modified.insert(p);
  }
}

function nodeAt(set: FieldSet, path: readonly PathElement[]): FieldSet {
  let node = set;
  for (const pe of path) node = node.child(pe);
  return node;
}
