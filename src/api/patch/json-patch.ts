/**
 * JSON Patch (RFC 6902, `application/json-patch+json`) as kube-apiserver applies it. The
 * operations themselves are carried out by fast-json-patch; this module first resolves
 * each path the way upstream's library (evanphx/json-patch v4) does, because clients rely
 * on its deviations from the RFC: `replace` of a missing object member adds it, `copy`
 * from a missing member copies null, a `test` for null passes on a missing member, and
 * negative array indices count from the end. Error mapping follows the apiserver:
 * a body that is not a list of operations is 400 BadRequest, more than 10000 operations
 * 413, and any operation that cannot be applied 422 Invalid with upstream's generic
 * message (the detail is kept as the error's `cause`, not sent). Pure: the target and
 * the patch are never mutated.
 */
import jsonpatch, { type Operation, type OperationResult } from 'fast-json-patch';
import { ApiError, badRequest, tooLarge } from '../errors.js';
import type { FieldValidationDirective } from './merge-patch.js';
import { goJsonKind } from '../go-semantics.js';

export type { FieldValidationDirective };

/** Upstream's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** Upstream's JSONPatchMaxCopyBytes default: total bytes `copy` operations may add. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

export interface JsonPatchOptions {
  /** The request's `fieldValidation`; the server default is Warn. It changes which malformed bodies are 400. */
  fieldValidation?: FieldValidationDirective;
}

/** One operation as it may arrive: untrusted, checked while it is applied. */
export type JsonPatchOperation = Record<string, unknown>;

const UNPROCESSABLE = 'the server rejected our request due to an error in our request';

/** The 422 upstream returns for a patch that does not apply; `why` is kept for logs only. */
function unprocessable(why: string): ApiError {
  const err = new ApiError(422, 'Invalid', UNPROCESSABLE, {});
  err.cause = new Error(why);
  return err;
}

type Container = Record<string, unknown> | unknown[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The checks upstream's decoding makes before anything is applied: with Warn or Strict the
 * body is decoded into typed operations (op, path, from must be strings), with Ignore only
 * into a list of objects.
 */
function checkShape(patch: unknown, directive: FieldValidationDirective): unknown[] {
  const typed = directive !== 'Ignore';
  if (patch === null) return [];
  if (!Array.isArray(patch)) {
    const into = typed ? '[]handlers.jsonPatchOp' : 'jsonpatch.Patch';
    const msg = `json: cannot unmarshal ${goJsonKind(patch)} into Go value of type ${into}`;
    throw badRequest(typed ? `error decoding patch: ${msg}` : msg);
  }
  for (const op of patch) {
    if (op === null) continue;
    if (!isObject(op)) {
      const into = typed ? 'handlers.jsonPatchOp' : 'jsonpatch.Operation';
      const msg = `json: cannot unmarshal ${goJsonKind(op)} into Go value of type ${into}`;
      throw badRequest(typed ? `error decoding patch: ${msg}` : msg);
    }
    if (!typed) continue;
    for (const field of ['op', 'path', 'from']) {
      const v = op[field];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw badRequest(
          `error decoding patch: json: cannot unmarshal ${goJsonKind(v)} into Go struct field jsonPatchOp.${field} of type string`,
        );
      }
    }
  }
  return patch;
}

/** strconv.Atoi on a 64-bit platform. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v < -(2n ** 63n) || v > 2n ** 63n - 1n) return undefined;
  // Anything beyond 2^53 is out of range for any array anyway.
  return Number(v);
}

/** An existing element's index (get, replace, remove); negative counts from the end. */
function elementIndex(key: string, length: number): number {
  const idx = atoi(key);
  if (idx === undefined) throw unprocessable(`value was not a proper array index: '${key}'`);
  const i = idx < 0 ? idx + length : idx;
  if (idx < -length || i >= length) throw unprocessable(`Unable to access invalid index: ${idx}`);
  return i;
}

/** An insertion index (add): `-` or 0…length; negative counts from the end. */
function insertionIndex(key: string, length: number): string {
  if (key === '-') return '-';
  const idx = atoi(key);
  if (idx === undefined) throw unprocessable(`value was not a proper array index: '${key}'`);
  if (idx > length || idx < -(length + 1)) throw unprocessable(`Unable to access invalid index: ${idx}`);
  return String(idx < 0 ? idx + length + 1 : idx);
}

const decodeKey = (k: string): string => k.replace(/~1/g, '/').replace(/~0/g, '~');

/** A resolved location: the container, the decoded final key, and the canonical pointer of the container. */
interface Location {
  container: Container;
  key: string;
  parent: string;
}

/**
 * Upstream's findObject: everything before the first '/' is ignored (so `a/b` means `/b`),
 * a path without '/' resolves nowhere, and each step must be an existing object member
 * or array element that is itself an object or array.
 */
function locate(doc: Container, path: unknown, what: string): Location {
  if (typeof path !== 'string') throw unprocessable(`operation missing ${what} field`);
  const split = path.split('/');
  if (split.length < 2) throw unprocessable(`doc is missing path: "${path}"`);
  const parts = split.slice(1).map(decodeKey);
  let container: Container = doc;
  let parent = '';
  for (const part of parts.slice(0, -1)) {
    let next: unknown;
    let step: string;
    if (Array.isArray(container)) {
      const i = elementIndex(part, container.length);
      next = container[i];
      step = String(i);
    } else {
      next = hasOwn(container, part) ? container[part] : undefined;
      step = part;
    }
    if (!isContainer(next)) throw unprocessable(`doc is missing path: "${path}"`);
    container = next;
    parent += `/${jsonpatch.escapePathComponent(step)}`;
  }
  return { container, key: parts[parts.length - 1]!, parent };
}

const pointer = (loc: Location, key: string): string => `${loc.parent}/${jsonpatch.escapePathComponent(key)}`;

/** The value at a location as upstream reads it: a missing object member reads as null. */
function read(loc: Location): { value: unknown; exists: boolean; path: string } {
  if (Array.isArray(loc.container)) {
    const i = String(elementIndex(loc.key, loc.container.length));
    return { value: loc.container[Number(i)], exists: true, path: pointer(loc, i) };
  }
  const exists = hasOwn(loc.container, loc.key);
  return { value: exists ? loc.container[loc.key] : null, exists, path: pointer(loc, loc.key) };
}

function apply(doc: Container, op: Operation): OperationResult<Container> {
  return jsonpatch.applyOperation(doc, op, true, true);
}

/** Adds `value` (a private copy) at `loc`, with upstream's index rules. */
function addAt(doc: Container, loc: Location, value: unknown): void {
  const key = Array.isArray(loc.container) ? insertionIndex(loc.key, loc.container.length) : loc.key;
  apply(doc, { op: 'add', path: pointer(loc, key), value });
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

function applyOne(doc: Container, op: unknown, copied: { bytes: number }): void {
  const o: Record<string, unknown> = isObject(op) ? op : {};
  const kind = typeof o['op'] === 'string' ? (o['op'] as string) : 'unknown';
  // A missing value is JSON null to upstream (it stores the absent member as nil).
  const value = hasOwn(o, 'value') && o['value'] !== undefined ? structuredClone(o['value']) : null;
  switch (kind) {
    case 'add':
      addAt(doc, locate(doc, o['path'], 'path'), value);
      return;
    case 'remove': {
      const loc = locate(doc, o['path'], 'path');
      const cur = read(loc);
      if (!cur.exists) throw unprocessable(`Unable to remove nonexistent key: ${loc.key}`);
      apply(doc, { op: 'remove', path: cur.path });
      return;
    }
    case 'replace': {
      const loc = locate(doc, o['path'], 'path');
      const cur = read(loc);
      // Upstream cannot tell a missing object member from a present one here.
      apply(doc, { op: cur.exists ? 'replace' : 'add', path: cur.path, value });
      return;
    }
    case 'test': {
      const loc = locate(doc, o['path'], 'path');
      const cur = read(loc);
      const expected = hasOwn(o, 'value') ? o['value'] : undefined;
      if (cur.value === null || cur.value === undefined) {
        if (expected === null) return;
        throw unprocessable(`testing value ${String(o['path'])} failed`);
      }
      if (expected === undefined) throw unprocessable(`testing value ${String(o['path'])} failed`);
      apply(doc, { op: 'test', path: cur.path, value: expected });
      return;
    }
    case 'move': {
      const from = locate(doc, o['from'], 'from');
      const src = read(from);
      if (!src.exists) throw unprocessable(`Unable to remove nonexistent key: ${from.key}`);
      const removed: unknown = apply(doc, { op: 'remove', path: src.path }).removed;
      // The destination is resolved after the removal, as upstream does.
      addAt(doc, locate(doc, o['path'], 'path'), removed);
      return;
    }
    case 'copy': {
      const from = locate(doc, o['from'], 'from');
      const src = read(from);
      const to = locate(doc, o['path'], 'path');
      // Upstream measures the copied JSON; a null source counts as nothing.
      if (src.value !== null && src.value !== undefined) copied.bytes += utf8Length(JSON.stringify(src.value));
      if (copied.bytes > MAX_JSON_PATCH_COPY_BYTES) {
        throw unprocessable(
          `Unable to complete the copy, the accumulated size increase of copy is ${copied.bytes}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`,
        );
      }
      addAt(doc, to, src.value === undefined ? null : structuredClone(src.value));
      return;
    }
    default:
      throw unprocessable(`Unexpected kind: ${kind}`);
  }
}

/**
 * Applies a parsed JSON Patch body to a copy of `target` and returns the result. Throws
 * 400 for a body that is not a list of operations, 413 for more than 10000 operations,
 * 422 for an operation that does not apply (failed `test` included).
 */
export function applyJsonPatch(target: unknown, patch: unknown, options: JsonPatchOptions = {}): unknown {
  const ops = checkShape(patch, options.fieldValidation ?? 'Warn');
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw tooLarge(
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  if (!isContainer(target)) throw unprocessable('document is not a JSON object or array');
  const doc = structuredClone(target);
  const copied = { bytes: 0 };
  for (const op of ops) {
    try {
      applyOne(doc, op, copied);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      // fast-json-patch's own refusals (failed test, banned __proto__ paths, …). Its
      // messages embed the whole document, so only the first line is kept.
      const why = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]}` : String(err);
      throw unprocessable(why);
    }
  }
  return doc;
}
