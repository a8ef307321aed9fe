import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, filterAll, makeNode, makePod, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ERR_REASON, newNodeName } from './node-name.js';

it('NodeName passes only the named node, as unresolvable elsewhere', () => {
  const snap = snapshotOf(cacheWith([makeNode('a'), makeNode('b')]));
  const got = filterAll(newNodeName(), makePod('p', { nodeName: 'b' }), snap);
  assert.deepEqual(got.get('a'), { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON] });
  assert.equal(got.get('b'), undefined);
  assert.equal(filterAll(newNodeName(), makePod('q'), snap).get('a'), undefined);
});
