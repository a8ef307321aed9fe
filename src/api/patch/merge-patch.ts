/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`) as kube-apiserver applies it
 * with evanphx/json-patch: a null member deletes, objects merge recursively, anything else
 * replaces. Upstream prunes nulls from values it inserts, including inside objects nested
 * in arrays, and that is kept here. A patch body that is not a JSON object is refused with
 * 400 BadRequest and upstream's message. Pure: neither the target nor the patch is mutated,
 * and the result shares no structure with either.
 */
import { badRequest } from '../errors.js';
import { goJsonKind } from '../go-semantics.js';

/** The request's `fieldValidation`; the server default is Warn. */
export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore';

export interface MergePatchOptions {
  fieldValidation?: FieldValidationDirective;
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Defines rather than assigns, so a member named `__proto__` stays data. */
function setMember(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy without null object members, at any depth; nulls that are array elements stay. */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => (e === null ? null : pruneNulls(e)));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, e] of Object.entries(v)) if (e !== null) setMember(out, k, pruneNulls(e));
    return out;
  }
  return v;
}

/** Merges `patch` into `doc`, which is a private copy and may be changed in place. */
function mergeInto(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const cur = hasOwn(doc, k) ? doc[k] : null;
    if (cur === null || cur === undefined) setMember(doc, k, pruneNulls(v));
    else if (!isObject(cur)) setMember(doc, k, pruneNulls(v));
    // An object replaced by a non-object is taken as is, without pruning (upstream quirk).
    else if (!isObject(v)) setMember(doc, k, structuredClone(v));
    else mergeInto(cur, v);
  }
}

/**
 * Applies a parsed merge-patch body to a target (normally an object). With the default
 * Warn and with Strict, a non-object body is a 400 decoding error; with Ignore an array
 * body replaces the whole document (null elements pruned as upstream does) and a scalar is
 * refused.
 */
export function applyMergePatch(target: unknown, patch: unknown, options: MergePatchOptions = {}): unknown {
  const directive = options.fieldValidation ?? 'Warn';
  if (directive !== 'Ignore' && patch !== null && !isObject(patch)) {
    throw badRequest(`error decoding patch: json: cannot unmarshal ${goJsonKind(patch)} into Go value of type map[string]interface {}`);
  }
  if (patch === null) throw badRequest('Invalid JSON Patch');
  if (!isObject(patch)) {
    if (Array.isArray(patch)) return pruneNulls(patch);
    throw badRequest('Invalid JSON Patch');
  }
  // A non-object target is treated as an empty object (RFC 7386 §2).
  if (!isObject(target)) return pruneNulls(patch);
  const doc = structuredClone(target);
  mergeInto(doc, patch);
  return doc;
}
