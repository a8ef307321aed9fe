/**
 * The resource verbs: get, list, watch, create, update, patch, delete and
 * deletecollection on a resource or its status/scale subresource, turning HTTP
 * requests into generic-store calls and objects into JSON or Table responses.
 */
import { ApiError, badRequest, methodNotAllowed, notFound, unsupportedMediaType } from '../../api/errors.js';
import { isPlainObject, type KubeObject, type StoredObject } from '../../api/object.js';
import { apiVersionOf, findResource, type ResourceInfo } from '../../api/resources.js';
import type { UserInfo } from '../authn.js';
import { applyJsonPatch } from '../../api/patch/json-patch.js';
import { applyMergePatch } from '../../api/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../api/patch/strategic-merge.js';
import type { ResourceRequestInfo } from '../request-info.js';
import type { ServedResource } from '../registry/registry.js';
import type { ResourceContext } from './context.js';
import { buildFilter, everything } from '../registry/filter.js';
import { TABLE_CONTENT_TYPE, parseIncludeObject, toTable, wantsTable } from '../table.js';
import { addWarning, decodeBody, JsonPiecesWriter, mediaType, readBody, writeJson, writeJsonPieces, type Request, type Response } from '../http/io.js';
import { joinJsonPieces, type JsonPiece } from '../../api/json-pieces.js';
import { COMPONENT_STATUS_WARNING, componentStatus, componentStatuses } from './component-statuses.js';
import { deleteOptions, dryRun, fieldValidation, integerParam, type FieldValidation } from './query.js';
import { duplicateFieldsOf } from '../../api/json-duplicates.js';
import { enforceKnownFields } from './unknown-fields.js';
import { serveWatch } from './watch.js';
import { getScale, scaleMutation } from './scale.js';
import { answerReview } from './reviews.js';
import { requestToken } from './token-request.js';
import { evictPod } from './eviction.js';
import { bindPod } from './binding.js';
import { servePodLog } from './pod-log.js';
import { defaultManager } from '../registry/field-manager.js';
import type { WriteOptions } from '../registry/generic-store.js';
import { goParseBoolTrue } from '../../api/go-semantics.js';

export type { ResourceContext };

const PATCH_TYPES = new Set([
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]);

export async function handleResource(ctx: ResourceContext, req: Request, res: Response, info: ResourceRequestInfo, query: URLSearchParams, user: UserInfo): Promise<void> {
  const virtual = findResource(info.group, info.version, info.resource);
  if (virtual?.virtual) return serveVirtual(ctx, req, res, info, query, user, virtual);
  const served = ctx.registry.find(info.group, info.version, info.resource);
  if (!served) throw notFound({ group: info.group, resource: info.resource, name: info.name || undefined });
  const notHere = () => notFound({ group: info.group, resource: info.resource, name: info.name || undefined });
  // A cluster-scoped resource under /namespaces/{ns}/ does not exist (namespaces
  // themselves carry their name as namespace).
  if (!served.info.namespaced && info.namespace !== '' && info.resource !== 'namespaces') throw notHere();
  const namespace = served.info.namespaced ? info.namespace : '';
  const sub = info.subresource;
  const subresource = sub ? served.info.subresources.find((s) => s.name === sub) : undefined;
  if (sub && !subresource) {
    throw notFound({ group: info.group, resource: `${info.resource}/${sub}`, name: info.name || undefined });
  }
  if (subresource && !subresource.verbs.includes(info.verb)) {
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
  if (served.info.namespaced && !namespace && info.verb !== 'list' && info.verb !== 'watch' && info.verb !== 'deletecollection') throw notHere();
  if (!served.info.verbs.includes(info.verb) && !sub) {
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }

  if (served.info.group === '' && served.info.plural === 'componentstatuses') {
    return serveComponentStatuses(ctx, req, res, served, info, query);
  }
  switch (info.verb) {
    case 'get':
      if (sub === 'log' && served.info.group === '' && served.info.kind === 'Pod') return servePodLog(ctx, res, namespace, info.name, query);
      if (sub === 'scale') return respondObject(ctx, req, res, served, 200, getScale(served, await served.store.get(namespace, info.name)), query, false);
      return getObject(ctx, req, res, served, namespace, info.name, query);
    case 'list':
      return list(ctx, req, res, served, namespace, query);
    case 'watch':
      return serveWatch(ctx, req, res, served, namespace, info.name, query);
    case 'create':
      if (sub === 'token' || sub === 'eviction' || sub === 'binding') return createSubresource(ctx, req, res, served, namespace, info.name, sub, query);
      if (sub) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      return create(ctx, req, res, served, namespace, query);
    case 'update':
      return update(ctx, req, res, served, namespace, info.name, sub, query);
    case 'patch':
      return patch(ctx, req, res, served, namespace, info.name, sub, query);
    case 'delete':
      return remove(ctx, req, res, served, namespace, info.name, query);
    case 'deletecollection':
      return deleteCollection(req, res, served, namespace, query);
  }
}

/** Kinds that are answered, never stored: the reviews and /bindings accept only create. */
async function serveVirtual(ctx: ResourceContext, req: Request, res: Response, info: ResourceRequestInfo, query: URLSearchParams, user: UserInfo, r: ResourceInfo): Promise<void> {
  if (info.verb !== 'create' || info.name !== '' || info.subresource !== '') {
    throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
  if (r.namespaced && !info.namespace) throw notFound({ group: info.group, resource: info.resource });
  if (!r.namespaced && info.namespace) throw notFound({ group: info.group, resource: info.resource });
  const body = await readObject(req);
  if (r.group === '' && r.kind === 'Binding') return bindPod(ctx, res, info.namespace, undefined, body, dryRun(query));
  return answerReview(ctx, res, r, info.namespace, body, user);
}

/** POST to serviceaccounts/<name>/token, pods/<name>/eviction and pods/<name>/binding. */
async function createSubresource(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, name: string, sub: string, query: URLSearchParams): Promise<void> {
  const kind = served.info.group === '' ? served.info.kind : '';
  const body = await readObject(req);
  if (kind === 'ServiceAccount' && sub === 'token') return requestToken(ctx, res, namespace, name, body, dryRun(query));
  if (kind === 'Pod' && sub === 'eviction') return evictPod(ctx, res, namespace, name, body, query);
  if (kind === 'Pod' && sub === 'binding') return bindPod(ctx, res, namespace, name, body, dryRun(query));
  throw methodNotAllowed('the server does not allow this method on the requested resource');
}

async function serveComponentStatuses(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, info: ResourceRequestInfo, query: URLSearchParams): Promise<void> {
  addWarning(res, COMPONENT_STATUS_WARNING);
  if (info.verb === 'get') return respondObject(ctx, req, res, served, 200, (await componentStatus(ctx.components, info.name)) as unknown as StoredObject, query);
  if (info.verb !== 'list') throw methodNotAllowed('componentstatuses are read-only');
  const items = (await componentStatuses(ctx.components)) as unknown as StoredObject[];
  if (wantsTable(req.headers.accept)) {
    return writeJson(res, 200, toTable(items, served.store.strategy, { includeObject: parseIncludeObject(query.get('includeObject')), now: ctx.now(), withColumns: true }), TABLE_CONTENT_TYPE);
  }
  respondList(res, served, {}, items.map((i) => JSON.stringify(i)));
}

/** Writes one object as JSON, or as a one-row Table when asked. */
function respondObject(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, code: number, obj: KubeObject, query: URLSearchParams, tableable = true): void {
  if (tableable && wantsTable(req.headers.accept)) {
    const table = toTable([obj as StoredObject], served.store.strategy, { includeObject: parseIncludeObject(query.get('includeObject')), now: ctx.now(), withColumns: true });
    return writeJson(res, code, table, TABLE_CONTENT_TYPE);
  }
  const pieces = served.store.servedPieces(obj);
  if (pieces) writeJson(res, code, joinJsonPieces(pieces));
  else writeJson(res, code, obj);
}

/** GET of one object (and of its status): JSON from the stored bytes unless a Table is wanted. */
async function getObject(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, name: string, query: URLSearchParams): Promise<void> {
  if (wantsTable(req.headers.accept)) return respondObject(ctx, req, res, served, 200, await served.store.get(namespace, name), query);
  const got = await served.store.getServed(namespace, name);
  if ('pieces' in got) return writeJson(res, 200, joinJsonPieces(got.pieces));
  return respondObject(ctx, req, res, served, 200, got.object, query);
}

async function list(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, query: URLSearchParams): Promise<void> {
  const filter = buildFilter(served.store.strategy, query.get('labelSelector'), query.get('fieldSelector'));
  const limit = integerParam(query, 'limit');
  const asTable = wantsTable(req.headers.accept);
  if (!asTable && !limit && !query.get('continue') && filter === everything) return streamList(res, served, namespace, query);
  const result = await served.store.list(namespace, {
    filter,
    raw: !asTable,
    limit,
    continueToken: query.get('continue') ?? undefined,
    resourceVersion: query.get('resourceVersion') ?? undefined,
    resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
  });
  if (asTable) {
    const table = toTable(result.items, served.store.strategy, {
      includeObject: parseIncludeObject(query.get('includeObject')),
      now: ctx.now(),
      withColumns: true,
      resourceVersion: result.resourceVersion,
      continueToken: result.continueToken,
    });
    return writeJson(res, 200, table, TABLE_CONTENT_TYPE);
  }
  const metadata: Record<string, string> = { resourceVersion: result.resourceVersion };
  if (result.continueToken) metadata['continue'] = result.continueToken;
  respondList(res, served, metadata, result.rawItems ?? result.items.map((i) => JSON.stringify(i)));
}

/**
 * A whole, unfiltered List, written page by page as it is read: each page goes out
 * (the event loop gets a turn) before the next is read. A failure after the first page
 * can no longer become a Status: the response is aborted (see abortResponse).
 *
 * Without a resourceVersion, or with "0", the List comes from the resource's watch cache
 * when it can answer (see WatchCache.list), as upstream serves lists from its cacher:
 * the stored bytes are in memory, so storage is not read at all.
 */
async function streamList(res: Response, served: ServedResource, namespace: string, query: URLSearchParams): Promise<void> {
  let writer: JsonPiecesWriter | undefined;
  let first = true;
  const onPage = async (items: (readonly JsonPiece[])[], resourceVersion: string): Promise<void> => {
    if (!writer) {
      writer = JsonPiecesWriter.open(res, 200);
      writer.add([listOpening(served, { resourceVersion })]);
    }
    for (const item of items) {
      if (!first) writer.add([',']);
      first = false;
      writer.add(item);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const resourceVersion = query.get('resourceVersion') ?? undefined;
  const resourceVersionMatch = query.get('resourceVersionMatch') ?? undefined;
  const cached =
    resourceVersionMatch === undefined && (!resourceVersion || resourceVersion === '0')
      ? await served.cache.list(served.store.prefix(namespace), !resourceVersion)
      : undefined;
  if (cached) {
    const revision = String(cached.revision);
    let i = 0;
    do {
      const page = cached.items.slice(i, i + CACHED_LIST_PAGE_ITEMS);
      await onPage(page.map((c) => served.store.listItemPieces(c.stored, c.object)), revision);
      i += CACHED_LIST_PAGE_ITEMS;
    } while (i < cached.items.length);
  } else {
    await served.store.streamList(namespace, { resourceVersion, resourceVersionMatch }, onPage);
  }
  writer!.add([']}']);
  writer!.end();
}

/** Objects per page of a List from the cache: as many as one page read from storage. */
const CACHED_LIST_PAGE_ITEMS = 1000;

/** `{"kind":"…List","apiVersion":…,"metadata":{…},"items":[` */
function listOpening(served: ServedResource, metadata: Record<string, string>): string {
  const head = JSON.stringify({ kind: `${served.info.kind}List`, apiVersion: apiVersionOf(served.info), metadata });
  return `${head.slice(0, -1)},"items":[`;
}

/** Writes a List from items already serialized (each item is a complete object's JSON, as text or pieces), in 64 KB buffers. */
function respondList(res: Response, served: ServedResource, metadata: Record<string, string>, items: readonly (string | readonly JsonPiece[])[]): void {
  const pieces: JsonPiece[] = [listOpening(served, metadata)];
  items.forEach((item, i) => {
    if (i > 0) pieces.push(',');
    if (typeof item === 'string') pieces.push(item);
    else pieces.push(...item);
  });
  pieces.push(']}');
  writeJsonPieces(res, 200, pieces);
}

async function readObject(req: Request): Promise<KubeObject> {
  return asObject(await decodeBody(await readBody(req), req.headers['content-type']));
}

function asObject(body: unknown): KubeObject {
  if (!isPlainObject(body)) throw badRequest('the request body must be an object');
  return body as KubeObject;
}

/** A create or update body, checked for unknown and (in JSON) duplicate fields as `validation` says. */
async function readCheckedObject(req: Request, res: Response, info: ServedResource['info'], validation: FieldValidation, kind = info.kind): Promise<KubeObject> {
  const raw = await readBody(req);
  const obj = asObject(await decodeBody(raw, req.headers['content-type']));
  const type = mediaType(req.headers['content-type']);
  const json = type === '' || type === 'application/json';
  const duplicates = json && validation !== 'Ignore' ? duplicateFieldsOf(raw.toString('utf8'), obj) : [];
  return enforceKnownFields(info, obj, validation, res, kind, duplicates);
}

async function create(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, query: URLSearchParams): Promise<void> {
  const obj = await readCheckedObject(req, res, served.info, fieldValidation(query));
  if (served.info.namespaced) await requireActiveNamespace(ctx, served, namespace, obj);
  const created = await served.store.create(namespace, obj, writeOptions(req, query));
  respondObject(ctx, req, res, served, 201, created, query);
}

/** Objects may be created only in a namespace that exists and is not being deleted. */
async function requireActiveNamespace(ctx: ResourceContext, served: ServedResource, namespace: string, obj: KubeObject): Promise<void> {
  const ns = await ctx.registry.namespaceForAdmission(namespace);
  if (!ns) throw notFound({ group: '', resource: 'namespaces', name: namespace });
  if (ns.metadata.deletionTimestamp) {
    const name = obj.metadata?.name ?? obj.metadata?.generateName ?? '';
    throw new ApiError(403, 'Forbidden', `${served.info.plural}${served.info.group ? `.${served.info.group}` : ''} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
      name,
      group: served.info.group,
      kind: served.info.plural,
      causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
    });
  }
}

async function update(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, name: string, sub: string, query: URLSearchParams): Promise<void> {
  const validation = fieldValidation(query);
  const body = await readCheckedObject(req, res, served.info, validation, sub === 'scale' ? 'Scale' : served.info.kind);
  const options = writeOptions(req, query);
  if (sub === 'scale') {
    const replicas = (body['spec'] as { replicas?: unknown } | undefined)?.replicas;
    const precondition = (body.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    const { object } = await served.store.guaranteedUpdate(namespace, name, '', options, precondition, scaleMutation(replicas));
    return writeJson(res, 200, getScale(served, object));
  }
  if (sub === 'finalize' && served.info.kind === 'Namespace') {
    const { object } = await served.store.guaranteedUpdate(namespace, name, 'finalize', options, undefined, (current) => ({ ...current, spec: body['spec'] ?? {} }));
    return respondObject(ctx, req, res, served, 200, object, query);
  }
  const { object, created } = await served.store.update(namespace, name, body, sub, options);
  respondObject(ctx, req, res, served, created ? 201 : 200, object, query);
}

async function patch(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, name: string, sub: string, query: URLSearchParams): Promise<void> {
  const type = mediaType(req.headers['content-type']);
  if (!PATCH_TYPES.has(type)) {
    throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${[...PATCH_TYPES].join(', ')}`);
  }
  if (type === 'application/apply-patch+yaml') return serverSideApply(ctx, req, res, served, namespace, name, sub, query);
  if (query.has('force')) throw invalidPatchOptions('force', 'FieldValueForbidden', 'Forbidden: may not be specified for non-apply patch');
  const patchBody = await decodeBody(await readBody(req), type === 'application/json-patch+json' ? 'application/json' : req.headers['content-type']);
  const options = writeOptions(req, query);
  const validation = fieldValidation(query);
  const applyPatch = (target: KubeObject): KubeObject => {
    const kind = sub === 'scale' ? 'Scale' : served.info.kind;
    switch (type) {
      case 'application/json-patch+json':
        return enforceKnownFields(served.info, applyJsonPatch(target, patchBody, { fieldValidation: validation }) as KubeObject, validation, res, kind);
      case 'application/merge-patch+json':
        return enforceKnownFields(served.info, applyMergePatch(target, patchBody, { fieldValidation: validation }) as KubeObject, validation, res, kind);
      default:
        return enforceKnownFields(served.info, applyStrategicMergePatch(target, patchBody, kind), validation, res, kind);
    }
  };
  if (sub === 'scale') {
    const { object } = await served.store.guaranteedUpdate(namespace, name, '', options, undefined, (current) => {
      const scale = applyPatch(getScale(served, current));
      return scaleMutation((scale['spec'] as { replicas?: unknown } | undefined)?.replicas)(current);
    });
    return writeJson(res, 200, getScale(served, object));
  }
  const { object } = await served.store.guaranteedUpdate(namespace, name, sub, options, undefined, (current) => applyPatch(current));
  respondObject(ctx, req, res, served, 200, object, query);
}

/** dryRun and the field manager of a write; without a fieldManager, the user agent's program names it. */
function writeOptions(req: Request, query: URLSearchParams): WriteOptions {
  const manager = query.get('fieldManager');
  if (manager !== null && (manager.length > 128 || !/^[\x20-\x7e]*$/.test(manager))) {
    throw invalidPatchOptions('fieldManager', 'FieldValueInvalid', `Invalid value: ${JSON.stringify(manager)}: must be a printable ASCII string of at most 128 characters`);
  }
  return { dryRun: dryRun(query), fieldManager: manager || defaultManager(headerValue(req.headers['user-agent'])) };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** 422 on PatchOptions as upstream words it: `PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: …`. */
function invalidPatchOptions(field: string, reason: 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueInvalid', detail: string): ApiError {
  const message = `${field}: ${detail}`;
  return new ApiError(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: ${message}`, { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason, message: detail, field }] });
}

/**
 * Server-side apply (`application/apply-patch+yaml`): the body is the caller's whole
 * intent for the fields it manages; the object is created when missing.
 */
async function serverSideApply(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, name: string, sub: string, query: URLSearchParams): Promise<void> {
  const manager = query.get('fieldManager');
  if (!manager) throw invalidPatchOptions('fieldManager', 'FieldValueRequired', 'Required value: is required for apply patch');
  if (sub !== '' && sub !== 'status' && sub !== 'scale') throw methodNotAllowed(`apply patches are not supported on the ${sub} subresource`);
  const options = { ...writeOptions(req, query), applied: true };
  const force = goParseBoolTrue(query.get('force'));
  const body = await decodeBody(await readBody(req), 'application/apply-patch+yaml');
  if (!isPlainObject(body)) throw badRequest('the apply configuration must be an object');
  if (sub === 'scale') return applyScale(res, served, namespace, name, body as KubeObject, manager, force, options, query);
  const applied = enforceKnownFields(served.info, body as KubeObject, fieldValidation(query), res);
  const expected = apiVersionOf(served.info);
  if (applied.apiVersion !== expected || applied.kind !== served.info.kind) {
    throw badRequest(`the apply configuration is for ${applied.apiVersion ?? '<no apiVersion>'}, Kind=${applied.kind ?? '<no kind>'}; this resource serves ${expected}, Kind=${served.info.kind}`);
  }
  const meta = applied.metadata ?? (applied.metadata = {});
  if (meta.name !== undefined && meta.name !== name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  }
  meta.name = name;
  if (served.info.namespaced) {
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the request (${namespace})`);
    }
    meta.namespace = namespace;
  }
  const ref = { group: served.info.group, resource: served.info.plural, kind: served.info.kind, name };
  const store = served.store;
  // Creating needs an active namespace; checked up front so a missing one is a clean 404.
  if (sub === '' && served.info.namespaced && !(await exists(store, namespace, name))) await requireActiveNamespace(ctx, served, namespace, applied);
  const { object, created } = await store.guaranteedUpdate(namespace, name, sub, options, undefined, (current) => store.fields.apply(current, applied, manager, force, sub, ref), {
    createIfMissing: sub === '' ? () => store.fields.apply(undefined, applied, manager, force, '', ref) : undefined,
  });
  respondObject(ctx, req, res, served, created ? 201 : 200, object, query);
}

/**
 * Apply to /scale (what an autoscaler applying a Scale does): the Scale's spec.replicas
 * is applied to the parent's spec.replicas, owned by the manager with subresource
 * "scale" in the parent's managedFields, as upstream's scale handler records it; the
 * answer is the Scale.
 */
async function applyScale(res: Response, served: ServedResource, namespace: string, name: string, body: KubeObject, manager: string, force: boolean, options: WriteOptions, query: URLSearchParams): Promise<void> {
  const scale = enforceKnownFields(served.info, body, fieldValidation(query), res, 'Scale');
  if (scale.apiVersion !== 'autoscaling/v1' || scale.kind !== 'Scale') {
    throw badRequest(`the apply configuration is for ${scale.apiVersion ?? '<no apiVersion>'}, Kind=${scale.kind ?? '<no kind>'}; this subresource serves autoscaling/v1, Kind=Scale`);
  }
  if (scale.metadata?.name !== undefined && scale.metadata.name !== name) {
    throw badRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`);
  }
  const replicas = (scale['spec'] as { replicas?: unknown } | undefined)?.replicas;
  const parent: KubeObject = {
    apiVersion: apiVersionOf(served.info),
    kind: served.info.kind,
    metadata: { name, ...(served.info.namespaced ? { namespace } : {}) },
    ...(replicas !== undefined ? { spec: { replicas } } : {}),
  };
  const ref = { group: served.info.group, resource: served.info.plural, kind: served.info.kind, name };
  const store = served.store;
  const { object } = await store.guaranteedUpdate(namespace, name, '', options, undefined, (current) => store.fields.apply(current, parent, manager, force, 'scale', ref));
  writeJson(res, 200, getScale(served, object));
}

async function exists(store: ServedResource['store'], namespace: string, name: string): Promise<boolean> {
  try {
    await store.get(namespace, name);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return false;
    throw err;
  }
}

async function readOptionalBody(req: Request): Promise<unknown> {
  const raw = await readBody(req);
  if (raw.length === 0) return undefined;
  return await decodeBody(raw, req.headers['content-type']);
}

async function remove(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, name: string, query: URLSearchParams): Promise<void> {
  const options = deleteOptions(query, await readOptionalBody(req));
  const { object, deleted } = await served.store.delete(namespace, name, options);
  // An object kept for finalizers or a grace period comes back as it now is (202 upstream
  // when the deletion is only begun); a deleted one too.
  respondObject(ctx, req, res, served, deleted ? 200 : 202, object, query);
}

async function deleteCollection(req: Request, res: Response, served: ServedResource, namespace: string, query: URLSearchParams): Promise<void> {
  const options = deleteOptions(query, await readOptionalBody(req));
  const filter = buildFilter(served.store.strategy, query.get('labelSelector'), query.get('fieldSelector'));
  const { items, resourceVersion } = await served.store.list(namespace, { filter });
  const removed: StoredObject[] = [];
  for (const item of items) {
    try {
      removed.push((await served.store.delete(item.metadata.namespace ?? '', item.metadata.name!, options)).object);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
  respondList(res, served, { resourceVersion }, removed.map((i) => JSON.stringify(i)));
}
