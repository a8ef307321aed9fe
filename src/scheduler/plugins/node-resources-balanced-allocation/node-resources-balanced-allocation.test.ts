import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, makeNode, makePod, scoreAll, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { balancedScore, newNodeResourcesBalancedAllocation } from './node-resources-balanced-allocation.js';

it('BalancedAllocation is 100 × (1 − std of the cpu and memory fractions)', () => {
  assert.equal(balancedScore([0.5, 0.5]), 100);
  assert.equal(balancedScore([0.2, 0.6]), 80);
  assert.equal(balancedScore([1.5, 0]), 50);
  const snap = snapshotOf(cacheWith([makeNode('cpu-heavy', { cpu: '2', memory: '8Gi' }), makeNode('even', { cpu: '4', memory: '4Gi' })]));
  const scores = scoreAll(newNodeResourcesBalancedAllocation(), makePod('p', { requests: { cpu: '1', memory: '1Gi' } }), snap);
  assert.equal(scores.get('even'), 100);
  assert.ok(scores.get('cpu-heavy')! < 100);
});
