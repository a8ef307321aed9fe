import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import { applyMergePatch, type MergePatchOptions } from './merge-patch.js';

function badRequest(target: unknown, patch: unknown, opts?: MergePatchOptions): string {
  try {
    applyMergePatch(target, patch, opts);
  } catch (err) {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    return err.message;
  }
  assert.fail(`patch ${JSON.stringify(patch)} applied`);
}

test('RFC 7386 examples', () => {
  // The test cases of RFC 7386 Appendix A whose target is an object.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, want] of cases) assert.deepEqual(applyMergePatch(target, patch), want, JSON.stringify(patch));
});

test('kubectl label / scale style patches', () => {
  const obj = { metadata: { name: 'web', labels: { app: 'web', old: 'x' } }, spec: { replicas: 1, template: { a: 1 } } };
  assert.deepEqual(applyMergePatch(obj, { metadata: { labels: { old: null, tier: 'front' } }, spec: { replicas: 3 } }), {
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: { replicas: 3, template: { a: 1 } },
  });
});

test('nulls are pruned from inserted values, including objects inside arrays (upstream)', () => {
  assert.deepEqual(applyMergePatch({}, { a: { b: null, c: [{ d: null, e: 1 }, null] } }), { a: { c: [{ e: 1 }, null] } });
  // A scalar replaced by an object: the object's nulls are pruned too.
  assert.deepEqual(applyMergePatch({ a: 1 }, { a: { b: null, c: 2 } }), { a: { c: 2 } });
  // An object replaced by an array: taken as is.
  assert.deepEqual(applyMergePatch({ a: { x: 1 } }, { a: [{ d: null }] }), { a: [{ d: null }] });
});

test('never mutates target or patch, and shares no structure with them', () => {
  const target = { a: { b: { c: 1 } }, keep: [1, 2] };
  const patch = { a: { b: { d: 2 } }, n: { deep: [{ x: 1 }] } };
  const tb = structuredClone(target);
  const pb = structuredClone(patch);
  const out = applyMergePatch(target, patch) as { a: { b: Record<string, number> }; keep: number[]; n: { deep: { x: number }[] } };
  assert.deepEqual(target, tb);
  assert.deepEqual(patch, pb);
  out.a.b['c'] = 9;
  out.keep.push(3);
  out.n.deep[0]!.x = 9;
  assert.deepEqual(target, tb);
  assert.deepEqual(patch, pb);
});

test('a __proto__ member stays data', () => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
  const out = applyMergePatch({}, patch) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['__proto__', 'a']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('non-object bodies are 400 as upstream', () => {
  const target = { a: 1 };
  assert.equal(badRequest(target, null), 'Invalid JSON Patch');
  assert.equal(badRequest(target, [1]), 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}');
  assert.equal(badRequest(target, 'x'), 'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}');
  assert.equal(badRequest(target, 5), 'error decoding patch: json: cannot unmarshal number into Go value of type map[string]interface {}');
  assert.equal(badRequest(target, true, { fieldValidation: 'Strict' }), 'error decoding patch: json: cannot unmarshal bool into Go value of type map[string]interface {}');
  // With fieldValidation=Ignore upstream skips the typed decode: scalars are "Invalid JSON
  // Patch" and an array replaces the document.
  assert.equal(badRequest(target, 5, { fieldValidation: 'Ignore' }), 'Invalid JSON Patch');
  assert.equal(badRequest(target, null, { fieldValidation: 'Ignore' }), 'Invalid JSON Patch');
  assert.deepEqual(applyMergePatch(target, [1, null, { b: null }], { fieldValidation: 'Ignore' }), [1, null, {}]);
});

test('a non-object target is treated as empty', () => {
  assert.deepEqual(applyMergePatch([1, 2], { a: 1, b: null }), { a: 1 });
  assert.deepEqual(applyMergePatch('x', { a: { b: null } }), { a: {} });
});
