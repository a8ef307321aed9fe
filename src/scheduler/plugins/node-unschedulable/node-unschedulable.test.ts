import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, filterAll, makeNode, makePod, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ERR_REASON, newNodeUnschedulable } from './node-unschedulable.js';

it('NodeUnschedulable rejects cordoned nodes unless the pod tolerates the unschedulable taint', () => {
  const snap = snapshotOf(cacheWith([makeNode('cordoned', { unschedulable: true }), makeNode('open')]));
  const plain = filterAll(newNodeUnschedulable(), makePod('p'), snap);
  assert.deepEqual(plain.get('cordoned'), { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON] });
  assert.equal(plain.get('open'), undefined);
  const tolerant = makePod('ds', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
  assert.equal(filterAll(newNodeUnschedulable(), tolerant, snap).get('cordoned'), undefined);
});
