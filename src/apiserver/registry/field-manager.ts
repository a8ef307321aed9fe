/**
 * The API server's field manager: keeps `metadata.managedFields` on every write and
 * performs server-side apply, using the kind's apply type from the OpenAPI schemas
 * and the pure bookkeeping in src/api/apply. What the server owns (identity, versions,
 * timestamps) is never anyone's; on a kind with a status subresource the main
 * resource's writers never own status and status writers own only status, each
 * recorded with its subresource as upstream does.
 */
import { ApiError, badRequest, type ResourceRef } from '../../api/errors.js';
import {
  ApplyConflictError,
  DuplicateItemError,
  FieldSet,
  applyConfiguration,
  compare,
  decodeManagedFields,
  fieldsOf,
  fieldsV1Of,
  encodeManagedFields,
  managedFieldsEntry,
  trackUpdate,
  type ApplyType,
  type ManagerEntry,
  type OwnershipContext,
} from '../../api/apply/index.js';
import { isPlainObject, jsonEqual, type KubeObject } from '../../api/object.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { applyTypeFor } from '../openapi/apply-type.js';

const SERVER_OWNED_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'];

function ignoredPaths(hasStatus: boolean, subresource: string): FieldSet {
  const set = FieldSet.fromPaths([['f:apiVersion'], ['f:kind'], ...SERVER_OWNED_METADATA.map((f) => ['f:metadata', `f:${f}`])]);
  if (hasStatus && subresource === '') set.insert(['f:status']);
  return set;
}

/** Only status is compared for status writes: the rest of the object is not theirs to change. */
function project(obj: KubeObject | undefined, subresource: string): unknown {
  if (!obj) return undefined;
  if (subresource === 'status') return obj['status'] === undefined ? {} : { status: obj['status'] };
  return obj;
}

export class FieldManager {
  private type: ApplyType | undefined | null = null;
  /** The fields no manager owns, for status writes and for the rest (built once). */
  private readonly ignored: { status: FieldSet; other: FieldSet };

  constructor(
    private readonly info: ResourceInfo,
    hasStatus: boolean,
    private readonly now: () => string,
  ) {
    this.ignored = { status: ignoredPaths(hasStatus, 'status'), other: ignoredPaths(hasStatus, '') };
  }

  private applyType(): ApplyType | undefined {
    if (this.type === null) this.type = applyTypeFor(this.info.group, this.info.version, this.info.kind);
    return this.type;
  }

  private context(manager: string, subresource: string): OwnershipContext | undefined {
    const type = this.applyType();
    if (!type) return undefined;
    // /scale writes are the parent's spec.replicas, recorded with subresource "scale" as upstream does.
    const sub = subresource === 'status' || subresource === 'scale' ? subresource : '';
    return { type, manager, apiVersion: apiVersionOf(this.info), ...(sub ? { subresource: sub } : {}), ignored: sub === 'status' ? this.ignored.status : this.ignored.other, now: this.now() };
  }

  /**
   * Records a create, update or non-apply patch on `next` (in place). A request that
   * set managedFields itself (kubectl does so when it migrates to server-side apply)
   * has them taken as the starting point; one that left them out keeps the current ones.
   */
  trackWrite(next: KubeObject, current: KubeObject | undefined, manager: string, subresource: string): void {
    const ctx = this.context(manager, subresource);
    const meta = next.metadata ?? (next.metadata = {});
    if (!ctx) return;
    const requested = meta.managedFields;
    const existing = current?.metadata?.managedFields;
    let base: ManagerEntry[];
    if (requested === undefined || jsonEqual(requested, existing)) {
      base = safeDecode(existing);
    } else {
      try {
        base = decodeManagedFields(requested);
      } catch (err) {
        throw badRequest(`metadata.managedFields is invalid: ${(err as Error).message}`);
      }
    }
    let encoded: ManagedFieldsEntry[];
    try {
      encoded =
        current === undefined && base.length === 0
          ? this.createEntries(project(next, subresource), ctx)
          : encodeManagedFields(trackUpdate(project(current, subresource), project(next, subresource), base, ctx));
    } catch (err) {
      if (err instanceof DuplicateItemError) return; // validation reports duplicates with field paths
      throw err;
    }
    if (encoded.length > 0) meta.managedFields = encoded;
    else delete meta.managedFields;
  }

  /** A create's one Update entry, owning every field, rendered straight from the object (no FieldSet). */
  private createEntries(created: unknown, ctx: OwnershipContext): ManagedFieldsEntry[] {
    const fieldsV1 = fieldsV1Of(created, ctx.type, ctx.ignored);
    return fieldsV1 ? [managedFieldsEntry({ manager: ctx.manager, operation: 'Update', apiVersion: ctx.apiVersion, time: ctx.now, subresource: ctx.subresource }, fieldsV1)] : [];
  }

  /**
   * Server-side apply of `applied` over `current` (undefined: create). Returns the new
   * object with its managedFields. Conflicts become 409 with FieldManagerConflict causes.
   */
  apply(current: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean, subresource: string, ref: ResourceRef): KubeObject {
    const ctx = this.context(manager, subresource);
    if (!ctx) throw badRequest(`server-side apply is not available for ${this.info.kind}: it has no schema`);
    if (applied.metadata?.managedFields !== undefined) {
      throw badRequest('metadata.managedFields must be nil');
    }
    try {
      const entries = safeDecode(current?.metadata?.managedFields);
      const run = (forced: boolean) => applyConfiguration(current as Record<string, unknown> | undefined, applied as Record<string, unknown>, entries, { ...ctx, force: forced });
      let result: ReturnType<typeof applyConfiguration>;
      try {
        result = run(force);
      } catch (err) {
        // kubectl moving an object from client-side to server-side apply takes over, without
        // conflicts, the fields its last-applied annotation shows it set (upstream does so
        // for the manager "kubectl" only).
        if (!(err instanceof ApplyConflictError) || manager !== 'kubectl' || !current) throw err;
        const allowed = lastAppliedFields(current, ctx.type);
        if (!allowed) throw err;
        const remaining = err.conflicts.filter((c) => !allowed.has(c.path));
        if (remaining.length > 0) throw new ApplyConflictError(remaining);
        result = run(true);
      }
      const object = result.object as KubeObject;
      const meta = object.metadata ?? (object.metadata = {});
      const encoded = encodeManagedFields(result.entries);
      if (encoded.length > 0) meta.managedFields = encoded;
      else delete meta.managedFields;
      return object;
    } catch (err) {
      if (err instanceof ApplyConflictError) {
        throw new ApiError(409, 'Conflict', err.message, { ...(ref.name ? { name: ref.name } : {}), ...(ref.group ? { group: ref.group } : {}), kind: ref.resource, causes: err.causes() });
      }
      if (err instanceof DuplicateItemError) {
        throw new ApiError(422, 'Invalid', `${this.info.kind}.${this.info.group || 'core'} ${JSON.stringify(ref.name ?? '')} is invalid: ${err.message}`, {
          ...(ref.name ? { name: ref.name } : {}),
          kind: this.info.kind,
          causes: [{ reason: 'FieldValueDuplicate', message: err.message, field: '' }],
        });
      }
      throw err;
    }
  }
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Fields the last-applied annotation holds with the values the live object still has. */
function lastAppliedFields(live: KubeObject, type: ApplyType): FieldSet | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED];
  if (!text) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(lastApplied)) return undefined;
  try {
    const diff = compare(lastApplied, live, type);
    return fieldsOf(lastApplied, type).difference(diff.modified).difference(diff.added).difference(diff.removed);
  } catch {
    return undefined;
  }
}

/** Stored managedFields that no longer parse are dropped rather than failing every write. */
function safeDecode(entries: unknown): ManagerEntry[] {
  try {
    return decodeManagedFields(entries);
  } catch {
    return [];
  }
}

/** The manager name upstream derives when a request names none: the user agent's program. */
export function defaultManager(userAgent: string | undefined): string {
  const program = (userAgent ?? '').split('/')[0]!.trim();
  return program || 'unknown';
}

export function isApplyBody(value: unknown): value is KubeObject {
  return isPlainObject(value);
}
