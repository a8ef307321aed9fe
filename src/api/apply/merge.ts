/**
 * The value side of server-side apply: merging an applied configuration into the live
 * object by type (structs and maps field by field, keyed lists item by item, sets by
 * value, atomic values replaced whole), and removing the fields an applier gave up.
 */
import { cloneJson, isPlainObject } from '../object.js';
import { fieldElement, type FieldSet, type PathElement } from './field-set.js';
import { childType, isAtomic, type ApplyType } from './schema-type.js';
import { listItems } from './walk.js';

/** `applied` over `live`; neither input is modified. A null in `applied` removes the field. */
export function mergeApplied(live: unknown, applied: unknown, type: ApplyType): unknown {
  if (applied === undefined) return cloneJson(live);
  if (live === undefined || live === null || isAtomic(type, applied)) return cloneJson(applied);
  if (type.kind === 'list') {
    if (!Array.isArray(live) || !Array.isArray(applied)) return cloneJson(applied);
    const liveItems = listItems(type, live);
    const appliedItems = listItems(type, applied);
    const element = type.element();
    const out: unknown[] = [];
    // Live order is kept; items new to the list follow in the applied order.
    for (const [pe, item] of liveItems) out.push(appliedItems.has(pe) ? mergeApplied(item, appliedItems.get(pe), element) : cloneJson(item));
    for (const [pe, item] of appliedItems) if (!liveItems.has(pe)) out.push(cloneJson(item));
    return out;
  }
  if (!isPlainObject(live) || !isPlainObject(applied)) return cloneJson(applied);
  const out: Record<string, unknown> = cloneJson(live);
  for (const [name, value] of Object.entries(applied)) {
    if (value === null) delete out[name];
    else out[name] = mergeApplied(live[name], value, childType(type, name));
  }
  return out;
}

/**
 * Removes every path of `set` from `value` in place (a member removes the whole field or
 * item); a container left empty by the removal is removed too.
 */
export function removeFields(value: unknown, set: FieldSet, type: ApplyType): void {
  if (type.kind === 'list' && Array.isArray(value)) {
    const items = [...listItems(type, value)];
    const keep: unknown[] = [];
    for (const [pe, item] of items) {
      if (set.members.has(pe)) continue;
      const child = set.children.get(pe);
      if (child) removeFields(item, child, type.element());
      keep.push(item);
    }
    value.splice(0, value.length, ...keep);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const name of Object.keys(value)) {
    const pe: PathElement = fieldElement(name);
    if (set.members.has(pe)) {
      delete value[name];
      continue;
    }
    const child = set.children.get(pe);
    if (!child) continue;
    const inner = value[name];
    removeFields(inner, child, childType(type, name));
    // A list or map emptied by the removal goes with what it held.
    if ((Array.isArray(inner) && inner.length === 0) || (isPlainObject(inner) && Object.keys(inner).length === 0)) delete value[name];
  }
}
