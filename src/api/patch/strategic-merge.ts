/**
 * Strategic merge patch (application/strategic-merge-patch+json), what kubectl apply,
 * set image and rollout restart send. Like a JSON merge patch, except that lists
 * marked in patch-meta merge element by element on a key, primitive "set" lists merge
 * as sets, and the directives kubectl emits are honoured: `$patch: replace|delete|merge`,
 * `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
 * Pure and non-mutating.
 */
import { badRequest } from '../errors.js';
import { cloneJson, isPlainObject, jsonEqual } from '../object.js';
import { rootMeta, typeMeta, type FieldMeta, type TypeMeta } from './patch-meta.js';

type Json = unknown;
type JsonMap = Record<string, Json>;

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

export function applyStrategicMergePatch(original: JsonMap, patch: Json, kind: string): JsonMap {
  if (!isPlainObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  const result = mergeMap(cloneJson(original), patch, rootMeta(kind));
  return result ?? {};
}

function mergeMap(original: JsonMap, patch: JsonMap, meta: TypeMeta | undefined): JsonMap | undefined {
  const directive = patch['$patch'];
  if (directive === 'replace') return stripDirectives(patch);
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'merge') throw badRequest(`unknown patch directive $patch: ${JSON.stringify(directive)}`);

  const result: JsonMap = original;
  const orders = new Map<string, Json[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      if (!Array.isArray(value)) throw badRequest(`${key} must be a list`);
      orders.set(key.slice(SET_ORDER.length), value);
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw badRequest(`${key} must be a list`);
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((x) => !value.some((d) => jsonEqual(d, x)));
      continue;
    }
    const field: FieldMeta | undefined = meta?.[key];
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = result[key];
    if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(current) ? current : {}, value, typeMeta(field?.type));
      if (merged === undefined) delete result[key];
      else result[key] = merged;
      continue;
    }
    if (Array.isArray(value)) {
      result[key] = mergeListField(Array.isArray(current) ? current : [], value, field);
      continue;
    }
    result[key] = cloneJson(value);
  }
  for (const [field, order] of orders) {
    const list = result[field];
    if (Array.isArray(list)) result[field] = applyOrder(list, order, meta?.[field]?.mergeKey);
  }
  return retainKeys(result, patch);
}

/** `$retainKeys: [...]` keeps only the listed keys of the merged map. */
function retainKeys(merged: JsonMap, patch: JsonMap): JsonMap {
  const keep = patch['$retainKeys'];
  if (keep === undefined) return merged;
  if (!Array.isArray(keep)) throw badRequest('$retainKeys must be a list');
  for (const k of Object.keys(merged)) if (!keep.includes(k)) delete merged[k];
  return merged;
}

function mergeListField(current: Json[], patch: Json[], field: FieldMeta | undefined): Json[] {
  const mergeStrategy = field?.strategy?.includes('merge') === true;
  // `[{"$patch": "replace"}, ...items]` replaces the whole list even where it would merge.
  const replaceDirective = patch.some((e) => isPlainObject(e) && e['$patch'] === 'replace' && Object.keys(e).length === 1);
  if (replaceDirective) return patch.filter((e) => !(isPlainObject(e) && e['$patch'] === 'replace')).map(stripDirectivesDeep);
  if (!mergeStrategy) return patch.map(stripDirectivesDeep);
  if (field?.mergeKey === undefined) {
    // A set of primitives: union, keeping the current order.
    const out = [...current];
    for (const v of patch) if (!out.some((x) => jsonEqual(x, v))) out.push(cloneJson(v));
    return out;
  }
  const key = field.mergeKey;
  const out = current.map((x) => x);
  const elementMeta = typeMeta(field.type);
  for (const item of patch) {
    if (!isPlainObject(item)) throw badRequest(`the list merges on "${key}", so each element must be an object`);
    if (!(key in item)) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const index = out.findIndex((x) => isPlainObject(x) && jsonEqual(x[key], item[key]));
    if (item['$patch'] === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      const merged = mergeMap(cloneJson(out[index] as JsonMap), item, elementMeta);
      if (merged === undefined) out.splice(index, 1);
      else out[index] = merged;
    } else {
      const created = mergeMap({}, item, elementMeta);
      if (created !== undefined) out.push(created);
    }
  }
  return out;
}

/**
 * `$setElementOrder` lists the patch's intended order. Elements it names come in that
 * order; elements it does not name (added by others) keep their place after the
 * named element that preceded them.
 */
function applyOrder(list: Json[], order: Json[], mergeKey: string | undefined): Json[] {
  const identity = (x: Json): Json => (mergeKey && isPlainObject(x) ? x[mergeKey] : x);
  const wanted = order.map(identity);
  const rank = (x: Json) => wanted.findIndex((w) => jsonEqual(w, identity(x)));
  const named = list.filter((x) => rank(x) >= 0).sort((a, b) => rank(a) - rank(b));
  const out: Json[] = [];
  let n = 0;
  for (const x of list) {
    if (rank(x) >= 0) out.push(named[n++]);
    else out.push(x);
  }
  return out;
}

function stripDirectives(map: JsonMap): JsonMap {
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(map)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_FROM)) continue;
    out[k] = stripDirectivesDeep(v);
  }
  return out;
}

function stripDirectivesDeep(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectivesDeep);
  if (isPlainObject(value)) return stripDirectives(value);
  return value;
}
