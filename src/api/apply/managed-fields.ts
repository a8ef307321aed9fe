/**
 * Field ownership (`metadata.managedFields`) for server-side apply and for every other
 * write, as upstream's field manager keeps it:
 * - apply: the applied configuration is merged into the live object; fields it
 *   changes that another manager owns are conflicts unless forced (then they change
 *   hands); fields the applier owned before and no longer applies are removed when no
 *   one else owns them; the applier then owns exactly what it applied.
 * - update (create, PUT, non-apply PATCH): the writer takes every field it changed,
 *   others lose those fields, and removed fields leave every owner.
 * Entries are keyed by manager, operation and subresource; empty ones are dropped.
 * Pure functions: the API server supplies the type, the clock and the ignored paths.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { isPlainObject } from '../object.js';
import { FieldSet, type FieldPath, formatPath } from './field-set.js';
import { mergeApplied, removeFields } from './merge.js';
import type { ApplyType } from './schema-type.js';
import { compare, fieldsOf } from './walk.js';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  fields: FieldSet;
}

export interface ApplyConflict {
  /** The other manager as upstream prints it: `"kubectl"` or `"m" using apps/v1`. */
  manager: string;
  path: FieldPath;
}

export class ApplyConflictError extends Error {
  constructor(readonly conflicts: ApplyConflict[]) {
    super(conflictMessage(conflicts));
  }

  /** Status causes, one per conflicting field. */
  causes(): { reason: 'FieldManagerConflict'; message: string; field: string }[] {
    return this.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.manager}`, field: formatPath(c.path) }));
  }
}

function conflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${conflicts[0]!.manager}: ${formatPath(conflicts[0]!.path)}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), formatPath(c.path)]);
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${manager}:`);
    for (const p of byManager.get(manager)!) lines.push(`- ${p}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${s} using ${e.apiVersion}` : s;
}

/** Reads managedFields; a malformed list is an error the caller reports (upstream: 400/422). */
export function decodeManagedFields(entries: unknown): ManagerEntry[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) throw new Error('metadata.managedFields must be a list');
  return entries.map((raw, i) => {
    if (!isPlainObject(raw)) throw new Error(`metadata.managedFields[${i}] must be an object`);
    const { manager, operation, apiVersion, subresource, time, fieldsType, fieldsV1 } = raw;
    if (operation !== 'Apply' && operation !== 'Update') throw new Error(`metadata.managedFields[${i}].operation must be Apply or Update`);
    if (fieldsType !== undefined && fieldsType !== 'FieldsV1') throw new Error(`metadata.managedFields[${i}].fieldsType must be FieldsV1`);
    return {
      manager: typeof manager === 'string' ? manager : '',
      operation,
      apiVersion: typeof apiVersion === 'string' ? apiVersion : '',
      ...(typeof subresource === 'string' && subresource ? { subresource } : {}),
      ...(typeof time === 'string' ? { time } : {}),
      fields: FieldSet.fromFieldsV1(fieldsV1 ?? {}),
    };
  });
}

export function encodeManagedFields(entries: ManagerEntry[]): ManagedFieldsEntry[] {
  return entries.filter((e) => !e.fields.isEmpty()).map((e) => managedFieldsEntry(e, e.fields.toFieldsV1()));
}

/** One managedFields entry in its API form, fields given already rendered as FieldsV1. */
export function managedFieldsEntry(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'time' | 'subresource'>, fieldsV1: Record<string, unknown>): ManagedFieldsEntry {
  return {
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time ? { time: e.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1,
    ...(e.subresource ? { subresource: e.subresource } : {}),
  };
}

const sameOwner = (e: ManagerEntry, manager: string, operation: string, subresource: string | undefined) =>
  e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');

export interface OwnershipContext {
  type: ApplyType;
  manager: string;
  apiVersion: string;
  subresource?: string;
  /** Paths no manager ever owns (apiVersion, kind, metadata.name, …, and reset fields). */
  ignored: FieldSet;
  now: string;
}

/** Records a non-apply write: returns the new entries. `before` is undefined for a create. */
export function trackUpdate(before: unknown, after: unknown, entries: ManagerEntry[], ctx: OwnershipContext): ManagerEntry[] {
  const diff = compare(before, after, ctx.type);
  const changed = diff.added.union(diff.modified).difference(ctx.ignored);
  const removed = diff.removed;
  const out: ManagerEntry[] = [];
  let mine: ManagerEntry | undefined;
  for (const e of entries) {
    const fields = e.fields.difference(removed);
    const isMine = sameOwner(e, ctx.manager, 'Update', ctx.subresource);
    const next = { ...e, fields: isMine ? fields : fields.difference(changed) };
    if (isMine) mine = next;
    out.push(next);
  }
  if (changed.isEmpty()) return out.filter((e) => !e.fields.isEmpty());
  if (mine) {
    mine.fields = mine.fields.union(changed);
    mine.time = ctx.now;
    mine.apiVersion = ctx.apiVersion;
  } else {
    out.push({ manager: ctx.manager, operation: 'Update', apiVersion: ctx.apiVersion, ...(ctx.subresource ? { subresource: ctx.subresource } : {}), time: ctx.now, fields: changed });
  }
  return capUpdateManagers(out.filter((e) => !e.fields.isEmpty()));
}

/** Upstream's cap on Update entries: beyond it, the oldest are folded together. */
export const MAX_UPDATE_MANAGERS = 10;
/** The manager name of the folded entries, one per API version. */
export const ANCIENT_CHANGES = 'ancient-changes';

const seconds = (time: string | undefined): number => (time ? Math.floor(Date.parse(time) / 1000) || 0 : 0);

/**
 * Keeps an object from collecting one managedFields entry per writer forever (as
 * upstream does after every update): while there are more than `max` Update entries,
 * the oldest (by time, then name) are merged per API version into one
 * `ancient-changes` entry that carries the newest merged time. The first old entry of
 * a version stays as it is until a second one of that version joins it.
 */
export function capUpdateManagers(entries: ManagerEntry[], max = MAX_UPDATE_MANAGERS): ManagerEntry[] {
  const updaters = entries.filter((e) => e.operation === 'Update');
  if (updaters.length <= max) return entries;
  updaters.sort((a, b) => seconds(a.time) - seconds(b.time) || (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0));
  const removed = new Set<ManagerEntry>();
  const buckets = new Map<string, ManagerEntry>();
  const firstOfVersion = new Map<string, ManagerEntry>();
  let count = updaters.length;
  for (const e of updaters) {
    if (count <= max) break;
    const isBucket = e.manager === ANCIENT_CHANGES && !e.subresource;
    const first = firstOfVersion.get(e.apiVersion);
    if (!first) {
      firstOfVersion.set(e.apiVersion, e);
      if (isBucket) buckets.set(e.apiVersion, e);
      continue;
    }
    let bucket = buckets.get(e.apiVersion);
    if (!bucket) {
      // The first entry of this version becomes the bucket.
      bucket = { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: e.apiVersion, fields: first.fields, ...(first.time ? { time: first.time } : {}) };
      buckets.set(e.apiVersion, bucket);
      removed.add(first);
    }
    bucket.fields = bucket.fields.union(e.fields);
    if (e.time) bucket.time = e.time;
    else delete bucket.time;
    removed.add(e);
    count--;
  }
  const out = entries.filter((e) => !removed.has(e));
  for (const bucket of buckets.values()) if (!out.includes(bucket)) out.push(bucket);
  return out;
}

export interface ApplyResult {
  object: Record<string, unknown>;
  entries: ManagerEntry[];
}

/**
 * Applies `applied` (the caller's configuration) over `live` (undefined to create).
 * Throws ApplyConflictError unless `force`.
 */
export function applyConfiguration(
  live: Record<string, unknown> | undefined,
  applied: Record<string, unknown>,
  entries: ManagerEntry[],
  ctx: OwnershipContext & { force: boolean },
): ApplyResult {
  const appliedFields = fieldsOf(applied, ctx.type).difference(ctx.ignored);
  const merged = mergeApplied(live ?? {}, applied, ctx.type) as Record<string, unknown>;
  const diff = compare(live ?? {}, merged, ctx.type);
  const changed = diff.added.union(diff.modified).difference(ctx.ignored);

  const conflicts: ApplyConflict[] = [];
  const others: ManagerEntry[] = [];
  const replaced = new Map<ManagerEntry, ManagerEntry>();
  let previous: ManagerEntry | undefined;
  for (const e of entries) {
    if (sameOwner(e, ctx.manager, 'Apply', ctx.subresource)) {
      previous = e;
      continue;
    }
    const contested = e.fields.intersection(changed);
    if (!contested.isEmpty()) {
      if (!ctx.force) for (const path of contested.paths()) conflicts.push({ manager: printManager(e), path });
      const reduced = { ...e, fields: e.fields.difference(contested) };
      replaced.set(e, reduced);
      others.push(reduced);
    } else {
      others.push(e);
    }
  }
  if (conflicts.length > 0) throw new ApplyConflictError(conflicts);

  // Given up by this applier and held by no one else: gone from the object.
  if (previous) {
    let heldByOthers = new FieldSet();
    for (const e of others) heldByOthers = heldByOthers.union(e.fields);
    const released = previous.fields.difference(appliedFields).difference(heldByOthers);
    if (!released.isEmpty()) removeFields(merged, released, ctx.type);
  }

  const unchanged = previous && previous.fields.equals(appliedFields) && changed.isEmpty() && previous.apiVersion === ctx.apiVersion;
  const mine: ManagerEntry = {
    manager: ctx.manager,
    operation: 'Apply',
    apiVersion: ctx.apiVersion,
    ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
    time: unchanged && previous?.time ? previous.time : ctx.now,
    fields: appliedFields,
  };
  // The applier's entry keeps its place; a new one goes last, as upstream appends.
  const out: ManagerEntry[] = [];
  let placed = false;
  for (const e of entries) {
    if (e === previous) {
      out.push(mine);
      placed = true;
    } else {
      out.push(replaced.get(e) ?? e);
    }
  }
  if (!placed) out.push(mine);
  return { object: merged, entries: out.filter((e) => !e.fields.isEmpty()) };
}
