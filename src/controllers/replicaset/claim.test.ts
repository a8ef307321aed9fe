import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyClaims, newControllerRef, withOwnerRef, withoutOwnerRef } from './claim.js';

const ref = (uid: string) => newControllerRef({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid });
const obj = (name: string, labels: Record<string, string>, owner?: string, deleting = false) => ({
  metadata: { name, labels, ...(owner ? { ownerReferences: [ref(owner)] } : {}), ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
});
const owner = (deleting = false) => ({ uid: 'me', deleting, matches: (l: Record<string, string> | undefined) => l?.['app'] === 'web' });
const names = (xs: { metadata: { name: string } }[]) => xs.map((x) => x.metadata.name);

describe('classifyClaims', () => {
  const objects = [
    obj('mine', { app: 'web' }, 'me'),
    obj('mine-moved', { app: 'db' }, 'me'),
    obj('orphan', { app: 'web' }),
    obj('orphan-other', { app: 'db' }),
    obj('theirs', { app: 'web' }, 'them'),
    obj('orphan-deleting', { app: 'web' }, undefined, true),
  ];

  it('keeps its own, adopts matching orphans, releases its own that stopped matching, leaves others alone', () => {
    const d = classifyClaims(owner(), objects);
    assert.deepEqual(names(d.owned), ['mine']);
    assert.deepEqual(names(d.adopt), ['orphan']);
    assert.deepEqual(names(d.release), ['mine-moved']);
  });

  it('a deleting owner neither adopts nor releases', () => {
    const d = classifyClaims(owner(true), objects);
    assert.deepEqual(names(d.owned), ['mine']);
    assert.deepEqual(d.adopt, []);
    assert.deepEqual(d.release, []);
  });

  it('adds and removes the controller reference with blockOwnerDeletion', () => {
    const added = withOwnerRef([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'x' }], ref('me'));
    assert.deepEqual(added.map((r) => [r.uid, r.controller, r.blockOwnerDeletion]), [['x', undefined, undefined], ['me', true, true]]);
    assert.deepEqual(withoutOwnerRef(added, 'me').map((r) => r.uid), ['x']);
  });
});
