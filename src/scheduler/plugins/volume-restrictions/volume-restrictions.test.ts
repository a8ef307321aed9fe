import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realClock } from '../../../util/clock.js';
import { EMPTY_LISTERS } from '../../types.js';
import { cacheWith, filterAll, makeNode, makePod, onNode, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ERR_RWOP_CONFLICT, newVolumeRestrictions } from './volume-restrictions.js';

test('a ReadWriteOncePod claim already in use by a placed pod fits nowhere', () => {
  const plugin = newVolumeRestrictions({
    clock: realClock,
    listers: { ...EMPTY_LISTERS, persistentVolumeClaim: (_ns, name) => ({ spec: { accessModes: [name === 'once' ? 'ReadWriteOncePod' : 'ReadWriteOnce'] } }) },
  });
  const uses = (name: string, claim: string) => makePod(name, { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: claim } }] });
  const snap = snapshotOf(cacheWith([makeNode('a'), makeNode('b')], [onNode(uses('holder', 'once'), 'a'), onNode(uses('shared-holder', 'many'), 'a')]));
  const out = filterAll(plugin, uses('p', 'once'), snap);
  assert.equal(out.get('b')?.code, 'Unschedulable');
  assert.deepEqual(out.get('b')?.reasons, [ERR_RWOP_CONFLICT]);
  assert.equal(filterAll(plugin, uses('q', 'many'), snap).get('b'), undefined);
  const alone = snapshotOf(cacheWith([makeNode('a')]));
  assert.equal(filterAll(plugin, uses('p', 'once'), alone).get('a'), undefined);
});
