import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realClock } from '../../../util/clock.js';
import { EMPTY_LISTERS } from '../../types.js';
import { cacheWith, filterAll, makeNode, makePod, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ERR_CONFLICT, newVolumeZone } from './volume-zone.js';

test('bound volumes with zone labels restrict the pod to nodes in those zones', () => {
  const plugin = newVolumeZone({
    clock: realClock,
    listers: {
      ...EMPTY_LISTERS,
      persistentVolumeClaim: (_ns, name) => (name === 'data' ? { spec: { volumeName: 'v' } } : undefined),
      persistentVolume: () => ({ metadata: { name: 'v', labels: { 'topology.kubernetes.io/zone': 'z1__z2' } } }),
    },
  });
  const snap = snapshotOf(cacheWith([makeNode('n1', { labels: { 'topology.kubernetes.io/zone': 'z1' } }), makeNode('n3', { labels: { 'topology.kubernetes.io/zone': 'z3' } }), makeNode('plain')]));
  const out = filterAll(plugin, makePod('p', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }), snap);
  assert.equal(out.get('n1'), undefined);
  assert.deepEqual(out.get('n3')?.reasons, [ERR_CONFLICT]);
  assert.equal(out.get('plain'), undefined);
  assert.equal(filterAll(plugin, makePod('q'), snap).get('n3'), undefined);
});
