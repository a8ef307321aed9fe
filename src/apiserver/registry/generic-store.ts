/**
 * The generic store: object lifecycle for every kind on top of the storage Backend
 * (upstream's registry/generic/registry.Store). It owns what is the same for all kinds
 * — uid, creationTimestamp, generateName, generation, resourceVersion preconditions,
 * finalizers and deletionTimestamp, graceful deletion, dry-run, selectors and paging —
 * and asks the kind's Strategy for the rest.
 */
import { randomUUID } from 'node:crypto';
import {
  ApiError,
  OBJECT_MODIFIED,
  alreadyExists,
  badRequest,
  conflict,
  gone,
  invalid,
  notFound,
  type FieldError,
  type ResourceRef,
} from '../../api/errors.js';
import { cloneJson, isPlainObject, jsonEqual, type KubeObject, type StoredObject } from '../../api/object.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import { rfc3339 } from '../../api/time.js';
import type { Backend, KeyValue, ListOptions as StorageListOptions, ListResult as StorageListResult } from '../../storage/backend.js';
import { isStorageError } from '../../storage/errors.js';
import type { JsonPiece } from '../../api/json-pieces.js';
import type { Strategy } from './strategy.js';
import { validateObjectMeta } from './object-meta.js';
import { everything, type ObjectFilter } from './filter.js';
import type { StoreHooks } from './store-hooks.js';
import { FieldManager } from './field-manager.js';

export interface WriteOptions {
  dryRun?: boolean;
  /** Who makes the change, recorded in managedFields (upstream defaults it from the user agent). */
  fieldManager?: string | undefined;
  /** The object's managedFields were already set by a server-side apply: do not track again. */
  applied?: boolean;
  /**
   * A server-internal write of spec and status together (pods/binding sets nodeName and
   * PodScheduled in one update, as upstream's BindingREST does); never from a request body.
   */
  withStatus?: boolean;
}

/**
 * A resource served in one version and stored in another (autoscaling/v1
 * HorizontalPodAutoscalers are stored as autoscaling/v2): objects are converted on the
 * way to storage and back.
 */
export interface VersionConversion {
  storageApiVersion: string;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListOptions {
  filter: ObjectFilter;
  /** Serve items as JSON text when nothing needs the parsed object (plain unfiltered lists). */
  raw?: boolean;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: StoredObject[];
  /**
   * With `raw` and no filter: the items as served JSON, in order (items is then empty),
   * each as pieces to write one after another (stored bytes, no decode and re-encode).
   */
  rawItems?: (readonly JsonPiece[])[];
  resourceVersion: string;
  continueToken?: string;
}

/** How many times an update without a client precondition is retried on a storage conflict. */
const MAX_UNCONDITIONAL_RETRIES = 8;
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Kinds whose dependents are orphaned when a delete names no policy: upstream keeps the
 * behaviour these had before garbage collection for their oldest served versions
 * (core/v1 ReplicationController, batch/v1 Job). kubectl always sends a policy.
 */
const ORPHANS_BY_DEFAULT = new Set(['/ReplicationController', 'batch/Job']);
const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

/**
 * The garbage-collection finalizers after a delete with `policy`, as upstream decides:
 * an explicit policy wins, then the one an earlier delete left on the object, then the
 * kind's default; the two finalizers never stand together.
 */
export function deletionFinalizers(existing: readonly string[], policy: DeleteOptions['propagationPolicy'], orphansByDefault: boolean): string[] {
  const has = (f: string) => existing.includes(f);
  const orphan = policy !== undefined ? policy === 'Orphan' : has(ORPHAN) ? true : has(FOREGROUND) ? false : orphansByDefault;
  const foreground = policy !== undefined ? policy === 'Foreground' : has(FOREGROUND);
  const out = existing.filter((f) => f !== ORPHAN && f !== FOREGROUND);
  if (orphan) out.push(ORPHAN);
  else if (foreground) out.push(FOREGROUND);
  // Keep the original order when nothing changed.
  return out.length === existing.length && out.every((f) => existing.includes(f)) ? [...existing] : out;
}

/** Kinds whose spec changes bump metadata.generation (the others have no generation). */
const TRACKS_GENERATION = new Set([
  'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', '/ReplicationController',
  'batch/Job', 'batch/CronJob', 'policy/PodDisruptionBudget', 'autoscaling/HorizontalPodAutoscaler',
  'networking.k8s.io/Ingress', 'networking.k8s.io/NetworkPolicy', 'networking.k8s.io/IngressClass',
]);

export class GenericStore {
  readonly tracksGeneration: boolean;
  /** The stored bytes of objects just created or updated, for their responses (see servedPieces). */
  private readonly servedForms = new WeakMap<object, Pick<KeyValue, 'value' | 'modRevision'>>();
  private readonly rawOpening: string;
  private readonly rawOpeningBytes: Buffer;
  private readonly hasStatus: boolean;
  private readonly keyRoot: string;
  /** managedFields on every write, and server-side apply. */
  readonly fields: FieldManager;

  constructor(
    private readonly storage: Backend,
    readonly info: ResourceInfo,
    readonly strategy: Strategy,
    private readonly now: () => Date = () => new Date(),
    private readonly hooks: StoreHooks = {},
    private readonly conversion?: VersionConversion,
  ) {
    const storageOf = info.storageResource ?? { group: info.group, resource: info.plural };
    this.keyRoot = `/registry/${storageOf.group || 'core'}/${storageOf.resource}/`;
    this.tracksGeneration = TRACKS_GENERATION.has(`${info.group}/${info.kind}`);
    this.rawOpening = `{"apiVersion":${JSON.stringify(apiVersionOf(info))},"kind":${JSON.stringify(info.kind)},"metadata":{`;
    this.rawOpeningBytes = Buffer.from(this.rawOpening, 'utf8');
    this.hasStatus = info.subresources.some((s) => s.name === 'status');
    this.fields = new FieldManager(info, this.hasStatus, () => rfc3339(this.now()));
  }

  /** The storage prefix holding this resource in one namespace ('' = all). */
  prefix(namespace: string): string {
    return this.info.namespaced && namespace ? `${this.keyRoot}${namespace}/` : this.keyRoot;
  }

  key(namespace: string, name: string): string {
    return this.info.namespaced ? `${this.keyRoot}${namespace}/${name}` : `${this.keyRoot}${name}`;
  }

  ref(name?: string): ResourceRef & { kind: string } {
    return { group: this.info.group, resource: this.info.plural, kind: this.info.kind, ...(name !== undefined ? { name } : {}) };
  }

  /** Decodes a stored value, stamping the revision as resourceVersion. */
  decode(kv: Pick<KeyValue, 'value' | 'modRevision'>): StoredObject {
    let obj = JSON.parse(Buffer.from(kv.value).toString('utf8')) as StoredObject;
    if (this.conversion && obj.apiVersion !== apiVersionOf(this.info)) obj = this.conversion.fromStorage(obj) as StoredObject;
    obj.metadata.resourceVersion = String(kv.modRevision);
    // Stored objects carry the storage version; serve this resource's version.
    obj.apiVersion = apiVersionOf(this.info);
    obj.kind = this.info.kind;
    return obj;
  }

  /**
   * Stored form: apiVersion, kind and metadata first, without resourceVersion (the
   * revision is the resourceVersion). The fixed opening lets `rawPieces` serve an object
   * without parsing it.
   */
  private encode(served: StoredObject): Buffer {
    const meta = served.metadata as { resourceVersion?: string | undefined };
    if (!this.conversion && startsCanonically(served) && !Object.isFrozen(meta)) {
      // Already in stored order: one stringify, with the resourceVersion left out.
      const rv = meta.resourceVersion;
      if (rv === undefined) return Buffer.from(JSON.stringify(served));
      meta.resourceVersion = undefined;
      try {
        return Buffer.from(JSON.stringify(served));
      } finally {
        meta.resourceVersion = rv;
      }
    }
    const obj = this.conversion ? (this.conversion.toStorage(served) as StoredObject) : served;
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    const { apiVersion, kind, metadata: _m, ...rest } = obj;
    void _rv;
    void _m;
    return Buffer.from(JSON.stringify({ apiVersion, kind, metadata, ...rest }));
  }

  /**
   * The served JSON of an object this store has just written, as byte pieces from its
   * stored form (no second serialization for the response); undefined when the object
   * is not one it wrote or has been changed since.
   */
  servedPieces(obj: KubeObject): readonly JsonPiece[] | undefined {
    const kv = this.servedForms.get(obj);
    if (!kv || obj.metadata?.resourceVersion !== String(kv.modRevision)) return undefined;
    return this.rawPieces(kv);
  }

  /**
   * The served JSON of a stored value without a parse/stringify round trip, as two byte
   * pieces: the fixed opening with the resourceVersion spliced in, and the stored rest. A
   * LIST of thousands of objects is written without turning bytes into strings and back.
   * Undefined when the stored form is not the canonical one (another version, an older
   * encoding).
   */
  rawPieces(kv: Pick<KeyValue, 'value' | 'modRevision'>): readonly JsonPiece[] | undefined {
    const value = Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength);
    const opening = this.rawOpeningBytes;
    if (value.length < opening.length || value.compare(opening, 0, opening.length, 0, opening.length) !== 0) return undefined;
    return [`${this.rawOpening}"resourceVersion":"${kv.modRevision}",`, value.subarray(opening.length)];
  }

  /**
   * A list item as served: the stored bytes when in canonical form, else the decoded
   * object serialized (`decoded`, when the caller holds it already, as the watch cache does).
   */
  listItemPieces(kv: Pick<KeyValue, 'value' | 'modRevision'>, decoded?: StoredObject): readonly JsonPiece[] {
    return this.rawPieces(kv) ?? [JSON.stringify(decoded ?? this.decode(kv))];
  }

  // ---- reads ----

  async get(namespace: string, name: string): Promise<StoredObject> {
    return this.decode(await this.getKv(namespace, name));
  }

  /**
   * A GET's answer as served JSON pieces straight from the stored bytes (as LIST items
   * are served) when they are in this resource's canonical form, else the decoded object.
   * Parsing the stored object and serializing it again took a quarter of a GET's CPU.
   */
  async getServed(namespace: string, name: string): Promise<{ pieces: readonly JsonPiece[] } | { object: StoredObject }> {
    const kv = await this.getKv(namespace, name);
    const pieces = this.rawPieces(kv);
    return pieces ? { pieces } : { object: this.decode(kv) };
  }

  private async exists(namespace: string, name: string): Promise<boolean> {
    try {
      await this.storage.get(this.key(namespace, name));
      return true;
    } catch (err) {
      if (isStorageError(err, 'KeyNotFound')) return false;
      throw err;
    }
  }

  private async getKv(namespace: string, name: string): Promise<KeyValue> {
    try {
      return await this.storage.get(this.key(namespace, name));
    } catch (err) {
      if (isStorageError(err, 'KeyNotFound')) throw notFound(this.ref(name));
      throw err;
    }
  }

  async list(namespace: string, options: ListOptions): Promise<ListResult> {
    const prefix = this.prefix(namespace);
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    let atRevision: number | undefined;
    let startAfterKey: string | undefined;
    if (options.continueToken) {
      const token = decodeContinue(options.continueToken);
      if (!token.start.startsWith(prefix)) throw badRequest('continue key is not valid: it does not belong to this list');
      atRevision = token.rv;
      startAfterKey = token.start;
    } else atRevision = await this.listRevision(options);
    const items: StoredObject[] = [];
    const rawItems: (readonly JsonPiece[])[] | undefined = options.raw && options.filter === everything ? [] : undefined;
    let revision: number | undefined = atRevision;
    let lastKey: string | undefined;
    let more = false;
    // Filters apply after reading, so keep reading pages until the page is full.
    for (;;) {
      const want = limit ? Math.max(limit - (rawItems?.length ?? items.length), 50) : 0;
      const page = await this.listPage(prefix, { limit: want, startAfterKey, atRevision: revision }, atRevision, options.continueToken !== undefined);
      revision = page.revision;
      let stoppedEarly = false;
      for (const kv of page.items) {
        lastKey = kv.key;
        const raw = rawItems ? this.rawPieces(kv) : undefined;
        if (raw !== undefined) rawItems!.push(raw);
        else {
          const obj = this.decode(kv);
          if (options.filter(obj)) {
            if (rawItems) rawItems.push([JSON.stringify(obj)]);
            else items.push(obj);
          }
        }
        if (limit && (rawItems?.length ?? items.length) >= limit) {
          stoppedEarly = kv !== page.items[page.items.length - 1] || page.more;
          break;
        }
      }
      if (stoppedEarly) {
        more = true;
        break;
      }
      if (!page.more || page.items.length === 0) break;
      startAfterKey = lastKey;
      if (limit && (rawItems?.length ?? items.length) >= limit) {
        more = true;
        break;
      }
    }
    const result: ListResult = { items, resourceVersion: String(revision) };
    if (rawItems) result.rawItems = rawItems;
    if (more && lastKey !== undefined) result.continueToken = encodeContinue(revision!, lastKey);
    return result;
  }

  /**
   * One page from storage; a revision compacted away is upstream's 410 Gone, worded for
   * a continue token or for the resourceVersion (`asked`) the list was asked at.
   */
  private async listPage(prefix: string, options: StorageListOptions, asked: number | undefined, continued: boolean): Promise<StorageListResult> {
    try {
      return await this.storage.list(prefix, options);
    } catch (err) {
      if (isStorageError(err, 'Compacted') && continued) {
        throw gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      if (isStorageError(err, 'Compacted')) throw gone(`too old resource version: ${asked} (${err.details.compactRevision})`);
      throw err;
    }
  }

  /**
   * The revision a list without a continue token reads at: the one asked for with
   * resourceVersionMatch=Exact, else the newest (a resourceVersion ahead of the store is
   * upstream's 504 ResourceVersionTooLarge).
   */
  private async listRevision(options: Pick<ListOptions, 'resourceVersion' | 'resourceVersionMatch'>): Promise<number | undefined> {
    if (!options.resourceVersion || options.resourceVersion === '0') return undefined;
    const rv = parseResourceVersion(options.resourceVersion);
    if (options.resourceVersionMatch === 'Exact') return rv;
    const current = await this.storage.currentRevision();
    if (rv > current) {
      throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${current}`, {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      });
    }
    return undefined;
  }

  /**
   * Every object of the namespace (or all) as served JSON, handed over a page at a time
   * as it is read, all from one revision: a whole unfiltered list can then be written
   * while the rest is still being read (the client reads the first megabytes meanwhile)
   * and is never held in memory at once. `onPage` is called at least once.
   */
  async streamList(
    namespace: string,
    options: Pick<ListOptions, 'resourceVersion' | 'resourceVersionMatch'>,
    onPage: (items: (readonly JsonPiece[])[], resourceVersion: string) => Promise<void>,
  ): Promise<void> {
    const prefix = this.prefix(namespace);
    let revision = await this.listRevision(options);
    let startAfterKey: string | undefined;
    for (;;) {
      const page = await this.listPage(prefix, { limit: STREAM_PAGE_ITEMS, startAfterKey, atRevision: revision }, revision, false);
      revision = page.revision;
      const items = page.items.map((kv) => this.listItemPieces(kv));
      await onPage(items, String(revision));
      if (!page.more || page.items.length === 0) return;
      startAfterKey = page.items[page.items.length - 1]!.key;
    }
  }

  // ---- create ----

  async create(namespace: string, input: KubeObject, options: WriteOptions = {}): Promise<StoredObject> {
    const obj = this.checkIncoming(namespace, input);
    const meta = obj.metadata;
    const generatedFrom = !meta.name && meta.generateName ? meta.generateName : undefined;
    if (generatedFrom) meta.name = generateName(generatedFrom);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete (meta as { selfLink?: string }).selfLink;
    if (this.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    // Status is the controllers' to write, through /status; nodes register with theirs.
    if (this.hasStatus && this.info.kind !== 'Node') delete obj['status'];
    this.strategy.defaults(obj);
    await this.hooks.mutateCreate?.(obj, options.dryRun ?? false);
    this.strategy.prepareForCreate(obj, this.now());
    if (!options.applied) this.fields.trackWrite(obj, undefined, options.fieldManager ?? 'unknown', '');
    this.check(obj, [...validateObjectMeta(obj, this.info, this.strategy.nameRule), ...this.strategy.validate(obj)]);
    if (this.hooks.allocates) {
      // Allocations must not be made (or fail) for an object that already exists.
      for (let retry = 0; await this.exists(namespace, meta.name!); retry++) {
        if (!generatedFrom || retry === GENERATE_NAME_RETRIES) throw alreadyExists(this.ref(meta.name));
        meta.name = generateName(generatedFrom);
      }
    }
    const rollback = await this.hooks.beforeCreate?.(obj, options.dryRun ?? false);
    if (options.dryRun) return obj;
    for (let retry = 0; ; retry++) {
      try {
        const stored = this.encode(obj);
        const rev = await this.storage.create(this.key(namespace, meta.name!), stored);
        meta.resourceVersion = String(rev);
        this.servedForms.set(obj, { value: stored, modRevision: rev });
        break;
      } catch (err) {
        // A generated name that is taken is generated again, as upstream does since 1.32
        // (five random characters collide within a few thousand names). Not once
        // allocations are made: they record the object's name (those kinds retried above).
        if (isStorageError(err, 'KeyExists') && generatedFrom && !this.hooks.allocates && retry < GENERATE_NAME_RETRIES) {
          meta.name = generateName(generatedFrom);
          continue;
        }
        await rollback?.();
        if (isStorageError(err, 'KeyExists')) throw alreadyExists(this.ref(meta.name));
        throw err;
      }
    }
    await this.hooks.afterCreate?.(obj);
    return obj;
  }

  // ---- update (PUT) and every read-modify-write ----

  /**
   * Replaces an object (PUT). A resourceVersion in the body is a precondition; without
   * one the update applies to whatever is current.
   */
  async update(namespace: string, name: string, input: KubeObject, subresource = '', options: WriteOptions = {}): Promise<{ object: StoredObject; created: boolean }> {
    const incoming = this.checkIncoming(namespace, input);
    if (incoming.metadata.name !== name) {
      throw badRequest(`the name of the object (${incoming.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    const precondition = incoming.metadata.resourceVersion;
    return this.guaranteedUpdate(namespace, name, subresource, options, precondition, () => cloneJson(incoming), {
      createIfMissing: this.strategy.allowCreateOnUpdate && subresource === '' ? () => cloneJson(incoming) : undefined,
    });
  }

  /**
   * Read-modify-write with retries: `mutate` builds the new object from the current one
   * (a patch, a PUT body, a scale change). It is re-run on a storage conflict unless the
   * caller pinned a resourceVersion, which then must match.
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    subresource: string,
    options: WriteOptions,
    precondition: string | undefined,
    mutate: (current: StoredObject) => KubeObject,
    extra: { createIfMissing?: (() => KubeObject) | undefined } = {},
  ): Promise<{ object: StoredObject; created: boolean }> {
    for (let attempt = 0; ; attempt++) {
      let kv: KeyValue;
      try {
        kv = await this.storage.get(this.key(namespace, name));
      } catch (err) {
        if (!isStorageError(err, 'KeyNotFound')) throw err;
        if (extra.createIfMissing) return { object: await this.create(namespace, extra.createIfMissing(), options), created: true };
        throw notFound(this.ref(name));
      }
      const current = this.decode(kv);
      if (precondition && precondition !== current.metadata.resourceVersion) throw conflict(this.ref(name), OBJECT_MODIFIED);
      // The mutation gets its own copy (decoding the bytes again is cheaper than a deep clone).
      const next = this.checkIncoming(namespace, mutate(this.decode(kv)));
      if (next.metadata.name !== name) {
        throw badRequest(`the name of the object (${next.metadata.name ?? ''}) does not match the name on the URL (${name})`);
      }
      const innerPrecondition = next.metadata.resourceVersion;
      if (innerPrecondition && innerPrecondition !== current.metadata.resourceVersion) throw conflict(this.ref(name), OBJECT_MODIFIED);
      this.prepareUpdate(next, current, subresource, options.withStatus ?? false);
      // Nothing changed, so there is nothing for the field manager to record either.
      if (isNoOp(next, current)) return { object: current, created: false };
      if (!options.applied) this.fields.trackWrite(next, current, options.fieldManager ?? 'unknown', subresource);
      if (isNoOp(next, current)) return { object: current, created: false };
      // A terminating object whose last finalizer is gone is deleted, not updated.
      if (next.metadata.deletionTimestamp && !this.hasFinalizers(next)) {
        if (options.dryRun) return { object: next, created: false };
        try {
          await this.storage.delete(this.key(namespace, name), kv.modRevision);
          await this.hooks.afterDelete?.(current);
          next.metadata.resourceVersion = current.metadata.resourceVersion;
          return { object: next, created: false };
        } catch (err) {
          if (isStorageError(err, 'Conflict') && !precondition && attempt < MAX_UNCONDITIONAL_RETRIES) continue;
          throw this.mapWriteError(err, name);
        }
      }
      const rollback = subresource === '' ? await this.hooks.beforeUpdate?.(next, current, options.dryRun ?? false) : undefined;
      if (options.dryRun) return { object: next, created: false };
      try {
        const stored = this.encode(next);
        const rev = await this.storage.update(this.key(namespace, name), stored, kv.modRevision);
        next.metadata.resourceVersion = String(rev);
        this.servedForms.set(next, { value: stored, modRevision: rev });
        if (subresource === '') await this.hooks.afterUpdate?.(next, current);
        return { object: next, created: false };
      } catch (err) {
        await rollback?.();
        // A resourceVersion inside the new object (a patch carries the current one) is
        // checked again against the re-read object, so a lost race retries safely.
        if ((isStorageError(err, 'Conflict') || isStorageError(err, 'KeyNotFound')) && !precondition && attempt < MAX_UNCONDITIONAL_RETRIES) continue;
        throw this.mapWriteError(err, name);
      }
    }
  }

  /**
   * Read-modify-write at the storage layer alone, as upstream's BindingREST does: no
   * strategy, validation, field manager or admission — the caller's `mutate` is trusted to
   * make a valid change (it may throw to refuse). `precondition` pins the resourceVersion;
   * without one a lost race re-reads and tries again.
   */
  async storageUpdate(namespace: string, name: string, precondition: string | undefined, dryRun: boolean, mutate: (current: StoredObject) => StoredObject): Promise<StoredObject> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.getKv(namespace, name);
      const current = this.decode(kv);
      if (precondition && precondition !== current.metadata.resourceVersion) throw conflict(this.ref(name), OBJECT_MODIFIED);
      const next = mutate(current);
      if (dryRun) return next;
      try {
        const rev = await this.storage.update(this.key(namespace, name), this.encode(next), kv.modRevision);
        next.metadata.resourceVersion = String(rev);
        return next;
      } catch (err) {
        if ((isStorageError(err, 'Conflict') || isStorageError(err, 'KeyNotFound')) && !precondition && attempt < MAX_UNCONDITIONAL_RETRIES) continue;
        throw this.mapWriteError(err, name);
      }
    }
  }

  /** System metadata is the server's; the strategy splits spec from status. */
  private prepareUpdate(next: StoredObject, current: StoredObject, subresource: string, withStatus: boolean): void {
    const meta = next.metadata;
    const old = current.metadata;
    const errors: FieldError[] = [];
    if (meta.uid && meta.uid !== old.uid) errors.push({ type: 'FieldValueInvalid', field: 'metadata.uid', value: meta.uid, detail: 'field is immutable' });
    meta.uid = old.uid!;
    meta.creationTimestamp = old.creationTimestamp!;
    if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (old.generateName !== undefined && meta.generateName === undefined) meta.generateName = old.generateName;
    meta.resourceVersion = old.resourceVersion!;
    if (meta.namespace === undefined && old.namespace !== undefined) meta.namespace = old.namespace;
    if (subresource === 'status') {
      // Status writes change status only (and never metadata beyond what the server keeps).
      const status = next['status'];
      for (const k of Object.keys(next)) delete next[k];
      Object.assign(next, cloneJson(current));
      if (status === undefined) delete next['status'];
      else next['status'] = status;
    } else if (this.hasStatus && !withStatus) {
      // Writes to the main resource leave status alone.
      if (current['status'] === undefined) delete next['status'];
      else next['status'] = cloneJson(current['status']);
    }
    this.strategy.defaults(next);
    this.strategy.prepareForUpdate(next, current, subresource, this.now());
    if (this.tracksGeneration) {
      const gen = old.generation ?? 1;
      meta.generation = specChanged(next, current) ? gen + 1 : gen;
    }
    this.check(next, [...errors, ...validateObjectMeta(next, this.info, this.strategy.nameRule), ...this.strategy.validateUpdate(next, current, subresource)]);
  }

  // ---- delete ----

  async delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<{ object: StoredObject; deleted: boolean }> {
    for (let attempt = 0; ; attempt++) {
      const kv = await this.getKv(namespace, name);
      const current = this.decode(kv);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(this.ref(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(this.ref(name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
      }
      const next = cloneJson(current);
      const meta = next.metadata;
      const finalizers = new Set(deletionFinalizers(meta.finalizers ?? [], options.propagationPolicy, ORPHANS_BY_DEFAULT.has(`${this.info.group}/${this.info.kind}`)));
      const grace = this.strategy.gracefulDeletion?.(current, options.gracePeriodSeconds) ?? 0;
      const graceful = grace > 0;
      const kindFinalizers = this.strategy.hasKindFinalizers?.(current) ?? false;
      if (finalizers.size > 0 || graceful || kindFinalizers) {
        // The object stays, marked for deletion, until finalizers are gone or its node confirms.
        if (finalizers.size > 0) meta.finalizers = [...finalizers];
        else delete meta.finalizers;
        const deadline = new Date(this.now().getTime() + grace * 1000);
        if (!meta.deletionTimestamp || (graceful && Date.parse(meta.deletionTimestamp) > deadline.getTime())) {
          meta.deletionTimestamp = rfc3339(deadline);
        }
        if (meta.deletionGracePeriodSeconds === undefined || grace < meta.deletionGracePeriodSeconds) meta.deletionGracePeriodSeconds = grace;
        // Let the kind react to the deletion mark (a Namespace turns Terminating).
        this.strategy.prepareForUpdate(next, current, 'delete', this.now());
        if (jsonEqual(next, current)) return { object: current, deleted: false };
        if (options.dryRun) return { object: next, deleted: false };
        try {
          const rev = await this.storage.update(this.key(namespace, name), this.encode(next), kv.modRevision);
          meta.resourceVersion = String(rev);
          return { object: next, deleted: false };
        } catch (err) {
          if (isStorageError(err, 'Conflict') && attempt < MAX_UNCONDITIONAL_RETRIES) continue;
          throw this.mapWriteError(err, name);
        }
      }
      if (options.dryRun) return { object: current, deleted: true };
      try {
        const result = await this.storage.delete(this.key(namespace, name), kv.modRevision);
        const object = this.decode({ value: result.prev.value, modRevision: result.revision });
        await this.hooks.afterDelete?.(object);
        return { object, deleted: true };
      } catch (err) {
        if (isStorageError(err, 'Conflict') && attempt < MAX_UNCONDITIONAL_RETRIES) continue;
        throw this.mapWriteError(err, name);
      }
    }
  }

  // ---- helpers ----

  private hasFinalizers(obj: StoredObject): boolean {
    return (obj.metadata.finalizers?.length ?? 0) > 0 || (this.strategy.hasKindFinalizers?.(obj) ?? false);
  }

  /** Checks the envelope of an incoming object and fills apiVersion, kind and namespace. */
  private checkIncoming(namespace: string, input: KubeObject): StoredObject {
    if (!isPlainObject(input)) throw badRequest('the request body must be a JSON or YAML object');
    const obj = input as StoredObject;
    const expected = apiVersionOf(this.info);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
    }
    if (obj.kind !== undefined && obj.kind !== this.info.kind) {
      throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${this.info.kind})`);
    }
    obj.apiVersion = expected;
    obj.kind = this.info.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isPlainObject(obj.metadata)) throw badRequest('metadata must be an object');
    if (this.info.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  private check(obj: StoredObject, errors: FieldError[]): void {
    if (errors.length > 0) throw invalid(this.ref(obj.metadata.name ?? ''), errors);
  }

  private mapWriteError(err: unknown, name: string): unknown {
    if (isStorageError(err, 'Conflict')) return conflict(this.ref(name), OBJECT_MODIFIED);
    if (isStorageError(err, 'KeyNotFound')) return notFound(this.ref(name));
    if (isStorageError(err, 'KeyExists')) return alreadyExists(this.ref(name));
    return err;
  }
}

/** Further names tried when a generated one is taken (upstream's RetryGenerateName, GA in 1.32). */
const GENERATE_NAME_RETRIES = 7;

function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  // Upstream truncates the base so the result stays within 63 characters.
  return `${base.slice(0, 58)}${suffix}`;
}

/** Everything but metadata and status is "spec" for generation purposes. */
function specChanged(a: StoredObject, b: StoredObject): boolean {
  const strip = (o: StoredObject) => {
    const { metadata: _m, status: _s, ...rest } = o;
    void _m;
    void _s;
    return rest;
  };
  return !jsonEqual(strip(a), strip(b));
}

/** An update that changes nothing is not written (upstream skips identical writes). */
function isNoOp(next: StoredObject, current: StoredObject): boolean {
  return jsonEqual(next, current);
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version "${rv}"`);
  return Number(rv);
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

/** Objects per page of a streamed list (about 3.5 MB of pods). */
const STREAM_PAGE_ITEMS = 1000;

function encodeContinue(rv: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: lastKey })).toString('base64url');
}

/** Whether an object's first keys are apiVersion, kind and metadata, in that order (the stored form's opening). */
function startsCanonically(obj: StoredObject): boolean {
  let i = 0;
  for (const key in obj) {
    if (key !== (i === 0 ? 'apiVersion' : i === 1 ? 'kind' : 'metadata')) return false;
    if (++i === 3) return true;
  }
  return false;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || !Number.isSafeInteger(t.rv) || typeof t.start !== 'string') throw new Error('bad');
    return t;
  } catch {
    throw badRequest('continue key is not valid: the format of the continue token is not recognised');
  }
}
