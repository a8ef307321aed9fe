import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { equalRevisions, newControllerRevision, newestRevision, nextRevisionNumber, podTemplateRevisionData, revisionsToTrim, sortRevisions } from './history.js';
import { CONTROLLER_REVISION_HASH_LABEL, canonicalJson, hashRevisionData, revisionName } from './revision-hash.js';

const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'u1', annotations: { 'kubernetes.io/change-cause': 'v2' } } };
const rev = (name: string, revision: number, data: unknown = { v: name }): ControllerRevision => ({ metadata: { name }, revision, data: data as object });

describe('revision hash', () => {
  it('is stable under key order, differs by data and collision count, uses the safe alphabet', () => {
    const a = hashRevisionData({ a: 1, b: { c: 2, d: 3 } });
    assert.equal(hashRevisionData({ b: { d: 3, c: 2 }, a: 1 }), a);
    assert.notEqual(hashRevisionData({ a: 2, b: { c: 2, d: 3 } }), a);
    assert.notEqual(hashRevisionData({ a: 1, b: { c: 2, d: 3 } }, 1), a);
    assert.notEqual(hashRevisionData({ a: 1 }, 1), hashRevisionData({ a: 1 }, 2));
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: undefined }] }), '{"a":[{"d":1}],"b":1}');
    assert.equal(revisionName('web', 'abc'), 'web-abc');
  });
  it('names, labels and owns a new revision', () => {
    const r = newControllerRevision({ owner, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', data: { x: 1 }, revision: 3, labels: { app: 'web' } });
    const hash = hashRevisionData({ x: 1 });
    assert.equal(r.metadata?.name, `web-${hash}`);
    assert.deepEqual(r.metadata?.labels, { app: 'web', [CONTROLLER_REVISION_HASH_LABEL]: hash });
    assert.equal(r.metadata?.ownerReferences?.[0]?.uid, 'u1');
    assert.equal(r.metadata?.ownerReferences?.[0]?.controller, true);
    assert.equal(r.metadata?.annotations?.['kubernetes.io/change-cause'], 'v2');
    assert.equal(r.revision, 3);
  });
});

describe('history', () => {
  it('sorts by revision, numbers the next one, finds equal data', () => {
    const revs = [rev('c', 3), rev('a', 1), rev('b', 2, { same: 1 })];
    assert.deepEqual(sortRevisions(revs).map((r) => r.metadata?.name), ['a', 'b', 'c']);
    assert.equal(nextRevisionNumber(revs), 4);
    assert.equal(nextRevisionNumber([]), 1);
    assert.deepEqual(equalRevisions(revs, { same: 1 }).map((r) => r.metadata?.name), ['b']);
    assert.equal(newestRevision([rev('a', 2), rev('b', 5), rev('c', 1)])?.metadata?.name, 'b');
    assert.equal(newestRevision([]), undefined);
  });
  it('records a pod template as a replacing patch with keys sorted', () => {
    const data = podTemplateRevisionData({ spec: { containers: [{ name: 'c', image: 'i' }] }, metadata: { labels: { b: '1', a: '2' } } });
    assert.equal(JSON.stringify(data), '{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"a":"2","b":"1"}},"spec":{"containers":[{"image":"i","name":"c"}]}}}}');
    assert.equal(JSON.stringify(podTemplateRevisionData(undefined)), '{"spec":{"template":{"$patch":"replace"}}}');
  });
  it('trims the oldest revisions beyond the limit but never one in use', () => {
    const revs = [rev('r1', 1), rev('r2', 2), rev('r3', 3), rev('r4', 4), rev('r5', 5)];
    assert.deepEqual(revisionsToTrim(revs, new Set(['r5']), 2).map((r) => r.metadata?.name), ['r1', 'r2']);
    assert.deepEqual(revisionsToTrim(revs, new Set(['r1', 'r5']), 2).map((r) => r.metadata?.name), ['r2']);
    assert.deepEqual(revisionsToTrim(revs, new Set(), 10), []);
    assert.deepEqual(revisionsToTrim(revs, new Set(['r5']), 0).map((r) => r.metadata?.name), ['r1', 'r2', 'r3', 'r4']);
  });
  it('can count revisions in use toward the limit while still sparing them', () => {
    const revs = [rev('r1', 1), rev('r2', 2), rev('r3', 3), rev('r4', 4), rev('r5', 5)];
    const opts = { inUseCountsTowardLimit: true };
    assert.deepEqual(revisionsToTrim(revs, new Set(['r5']), 2, opts).map((r) => r.metadata?.name), ['r1', 'r2', 'r3']);
    assert.deepEqual(revisionsToTrim(revs, new Set(['r1', 'r2']), 2, opts).map((r) => r.metadata?.name), ['r3', 'r4', 'r5']);
    assert.deepEqual(revisionsToTrim(revs, new Set(['r1', 'r2', 'r3', 'r4']), 2, opts).map((r) => r.metadata?.name), ['r5']);
    assert.deepEqual(revisionsToTrim(revs, new Set(), 5, opts), []);
  });
});
