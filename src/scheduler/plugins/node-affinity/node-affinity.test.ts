import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, filterAll, makeNode, makePod, scoreAll, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ERR_REASON, newNodeAffinity } from './node-affinity.js';

const snap = snapshotOf(
  cacheWith([
    makeNode('a', { labels: { zone: 'z1', disk: 'ssd', cores: '8' } }),
    makeNode('b', { labels: { zone: 'z2', disk: 'hdd', cores: '2' } }),
    makeNode('c', { labels: { zone: 'z3' } }),
  ]),
);

it('NodeAffinity honours nodeSelector', () => {
  const got = filterAll(newNodeAffinity(), makePod('p', { nodeSelector: { disk: 'ssd' } }), snap);
  assert.equal(got.get('a'), undefined);
  assert.deepEqual(got.get('b'), { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON] });
});

it('NodeAffinity ORs required terms and ANDs expressions and fields within one', () => {
  const pod = makePod('p', {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }, { key: 'zone', operator: 'In', values: ['z1', 'z2'] }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] },
          ],
        },
      },
    },
  });
  const got = filterAll(newNodeAffinity(), pod, snap);
  assert.equal(got.get('a'), undefined);
  assert.ok(got.get('b'));
  assert.equal(got.get('c'), undefined);
  const notIn = makePod('q', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }] } } } });
  assert.deepEqual([...filterAll(newNodeAffinity(), notIn, snap)].filter(([, s]) => !s).map(([n]) => n), ['c']);
});

it('NodeAffinity scores by the weights of matching preferred terms, normalised to 100', () => {
  const pod = makePod('p', {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 80, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
          { weight: 20, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] } },
        ],
      },
    },
  });
  const scores = scoreAll(newNodeAffinity(), pod, snap);
  assert.deepEqual(Object.fromEntries(scores), { a: 100, b: 25, c: 0 });
});
