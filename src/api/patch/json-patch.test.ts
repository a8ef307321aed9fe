import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { MAX_JSON_PATCH_OPERATIONS, applyJsonPatch, type JsonPatchOptions } from './json-patch.js';

/** The shape tests read back from a patched pod. */
interface Doc {
  metadata: Record<string, unknown> & { labels: Record<string, string> };
  spec: { tolerations: unknown[] };
  top?: unknown;
}

const pod = (): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'a/b': 'x' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }], tolerations: [1, 2, 3] },
});

function failure(target: unknown, patch: unknown, opts?: JsonPatchOptions): ApiError {
  try {
    applyJsonPatch(target, patch, opts);
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail(`patch ${JSON.stringify(patch)} applied`);
}

/** Upstream's 422 for any operation that does not apply. */
function assertUnprocessable(target: unknown, patch: unknown): void {
  const err = failure(target, patch);
  assert.equal(err.code, 422);
  assert.equal(err.reason, 'Invalid');
  assert.equal(err.message, 'the server rejected our request due to an error in our request');
  assert.deepEqual(err.toStatus().details, {});
  assert.ok(err.cause instanceof Error, 'the detail is kept for logs');
}

test('applies the RFC 6902 operations', () => {
  const out = applyJsonPatch(pod(), [
    { op: 'add', path: '/metadata/labels/tier', value: 'front' },
    { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.27' },
    { op: 'remove', path: '/metadata/annotations/a~1b' },
    { op: 'add', path: '/spec/tolerations/1', value: 9 },
    { op: 'add', path: '/spec/tolerations/-', value: 4 },
    { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copy' },
    { op: 'move', from: '/metadata/labels/tier', path: '/metadata/labels/moved' },
    { op: 'test', path: '/metadata/name', value: 'web' },
    { op: 'test', path: '/spec/containers', value: [{ image: 'nginx:1.27', name: 'c' }] },
  ]);
  assert.deepEqual(out, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', labels: { app: 'web', copy: 'web', moved: 'front' }, annotations: {} },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], tolerations: [1, 9, 2, 3, 4] },
  });
});

test('never mutates the target or the patch, and shares no structure with them', () => {
  const target = pod();
  const before = structuredClone(target);
  const value = { deep: { x: 1 } };
  const patch = [
    { op: 'add', path: '/spec/extra', value },
    { op: 'remove', path: '/metadata/labels/app' },
  ];
  const patchBefore = structuredClone(patch);
  const out = applyJsonPatch(target, patch) as { spec: { extra: { deep: { x: number } } } };
  assert.deepEqual(target, before);
  assert.deepEqual(patch, patchBefore);
  out.spec.extra.deep.x = 2;
  assert.equal(value.deep.x, 1);
  assertUnprocessable(target, [{ op: 'test', path: '/metadata/name', value: 'db' }]);
  assert.deepEqual(target, before);
});

test('upstream quirks clients depend on', () => {
  // replace of a missing object member adds it.
  assert.deepEqual((applyJsonPatch(pod(), [{ op: 'replace', path: '/metadata/labels/new', value: 'v' }]) as Doc).metadata.labels, {
    app: 'web',
    new: 'v',
  });
  // negative indices count from the end.
  assert.deepEqual((applyJsonPatch(pod(), [{ op: 'add', path: '/spec/tolerations/-1', value: 9 }]) as Doc).spec.tolerations, [1, 2, 3, 9]);
  assert.deepEqual((applyJsonPatch(pod(), [{ op: 'remove', path: '/spec/tolerations/-1' }]) as Doc).spec.tolerations, [1, 2]);
  assert.deepEqual((applyJsonPatch(pod(), [{ op: 'replace', path: '/spec/tolerations/-3', value: 0 }]) as Doc).spec.tolerations, [0, 2, 3]);
  // testing for null passes on a missing member; copying a missing member copies null.
  assert.deepEqual(applyJsonPatch(pod(), [{ op: 'test', path: '/metadata/missing', value: null }]), pod());
  assert.equal((applyJsonPatch(pod(), [{ op: 'copy', from: '/metadata/missing', path: '/metadata/c' }]) as Doc).metadata.c, null);
  // an add without a value stores null; a path without a leading slash drops its first segment.
  assert.equal((applyJsonPatch(pod(), [{ op: 'add', path: '/metadata/n' }]) as Doc).metadata.n, null);
  assert.equal((applyJsonPatch(pod(), [{ op: 'add', path: 'ignored/top', value: 1 }]) as Doc).top, 1);
  // kubectl's managedFields follow-up patch works on objects without managedFields.
  const out = applyJsonPatch(pod(), [
    { op: 'replace', path: '/metadata/managedFields', value: [] },
    { op: 'replace', path: '/metadata/resourceVersion', value: '7' },
  ]) as Doc;
  assert.equal(out.metadata.resourceVersion, '7');
});

test('operations that do not apply are 422 with upstream’s generic message', () => {
  const bad: unknown[][] = [
    [{ op: 'test', path: '/metadata/name', value: 'db' }],
    [{ op: 'test', path: '/metadata/missing', value: 'x' }],
    [{ op: 'test', path: '/metadata/name' }],
    [{ op: 'remove', path: '/metadata/missing' }],
    [{ op: 'remove', path: '/nope/x' }],
    [{ op: 'add', path: '/nope/x', value: 1 }],
    [{ op: 'add', path: '/metadata/name/x', value: 1 }],
    [{ op: 'replace', path: '/spec/tolerations/3', value: 1 }],
    [{ op: 'add', path: '/spec/tolerations/5', value: 1 }],
    [{ op: 'add', path: '/spec/tolerations/x', value: 1 }],
    [{ op: 'remove', path: '/spec/tolerations/-4' }],
    [{ op: 'move', from: '/metadata/missing', path: '/metadata/x' }],
    [{ op: 'move', from: '/metadata', path: '/metadata/x' }],
    [{ op: 'copy', path: '/metadata/x' }],
    [{ op: 'add', path: '', value: {} }],
    [{ op: 'replace', path: '', value: {} }],
    [{ op: 'add', path: 'noslash', value: 1 }],
    [{ op: 'add', value: 1 }],
    [{ op: 'frobnicate', path: '/a' }],
    [{ path: '/a' }],
    [null],
    [{ op: 'add', path: '/__proto__/polluted', value: 1 }],
    [{ op: 'add', path: '/metadata/labels/x', value: 1 }, { op: 'test', path: '/metadata/labels/x', value: 2 }],
  ];
  for (const patch of bad) assertUnprocessable(pod(), patch);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('a body that is not a list of operations is 400, worded by fieldValidation', () => {
  const msg = (patch: unknown, opts?: JsonPatchOptions): string => {
    const err = failure(pod(), patch, opts);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    return err.message;
  };
  assert.equal(msg({ op: 'add' }), 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
  assert.equal(msg('x'), 'error decoding patch: json: cannot unmarshal string into Go value of type []handlers.jsonPatchOp');
  assert.equal(msg([1]), 'error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp');
  assert.equal(
    msg([{ op: 'add', path: 5 }]),
    'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string',
  );
  assert.equal(msg({ op: 'add' }, { fieldValidation: 'Ignore' }), 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  assert.equal(msg([true], { fieldValidation: 'Ignore' }), 'json: cannot unmarshal bool into Go value of type jsonpatch.Operation');
  // With Ignore a non-string path is only found when the operation is applied.
  assert.equal(failure(pod(), [{ op: 'add', path: 5 }], { fieldValidation: 'Ignore' }).code, 422);
});

test('null and empty patches change nothing', () => {
  assert.deepEqual(applyJsonPatch(pod(), null), pod());
  assert.deepEqual(applyJsonPatch(pod(), []), pod());
});

test('more than 10000 operations is 413', () => {
  const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }));
  const err = failure(pod(), ops);
  assert.equal(err.code, 413);
  assert.equal(err.message, 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
  assert.deepEqual(applyJsonPatch(pod(), ops.slice(1)), pod());
});

test('copy operations may not grow the document by more than 3 MiB', () => {
  const doc = { big: 'x'.repeat(1024 * 1024), list: [] as unknown[] };
  const copy = { op: 'copy', from: '/big', path: '/list/-' };
  assert.equal((applyJsonPatch(doc, [copy, copy]) as { list: unknown[] }).list.length, 2);
  assertUnprocessable(doc, [copy, copy, copy]);
});
