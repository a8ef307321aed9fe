import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, filterAll, makeNode, makePod, scoreAll, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { newTaintToleration } from './taint-toleration.js';

const snap = snapshotOf(
  cacheWith([
    makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
    makeNode('gpu', { taints: [{ key: 'gpu', value: 'true', effect: 'NoExecute' }] }),
    makeNode('soft', { taints: [{ key: 'spot', value: 'yes', effect: 'PreferNoSchedule' }] }),
    makeNode('clean'),
  ]),
);

it('TaintToleration filters untolerated NoSchedule/NoExecute taints with upstream wording', () => {
  const got = filterAll(newTaintToleration(), makePod('p'), snap);
  assert.deepEqual(got.get('cp')?.reasons, ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']);
  assert.deepEqual(got.get('gpu')?.reasons, ['node(s) had untolerated taint {gpu: true}']);
  assert.equal(got.get('gpu')?.code, 'UnschedulableAndUnresolvable');
  assert.equal(got.get('soft'), undefined);
  assert.equal(got.get('clean'), undefined);
  const tolerant = makePod('t', { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'true' }, { operator: 'Exists', key: 'node-role.kubernetes.io/control-plane' }] });
  const ok = filterAll(newTaintToleration(), tolerant, snap);
  assert.equal(ok.get('gpu'), undefined);
  assert.equal(ok.get('cp'), undefined);
  const wrongValue = makePod('w', { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'false' }] });
  assert.ok(filterAll(newTaintToleration(), wrongValue, snap).get('gpu'));
});

it('TaintToleration scores nodes with untolerated PreferNoSchedule taints lower', () => {
  const scores = scoreAll(newTaintToleration(), makePod('p'), snap);
  assert.equal(scores.get('soft'), 0);
  assert.equal(scores.get('clean'), 100);
  const tolerant = scoreAll(newTaintToleration(), makePod('t', { tolerations: [{ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' }] }), snap);
  assert.equal(tolerant.get('soft'), 100);
});
