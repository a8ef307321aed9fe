import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, filterAll, makeNode, makePod, onNode, scoreAll, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { leastRequestedScore, newNodeResourcesFit } from './node-resources-fit.js';

it('NodeResourcesFit reports every insufficient resource and the pod count', () => {
  const snap = snapshotOf(
    cacheWith(
      [makeNode('small', { cpu: '1', memory: '1Gi', pods: '1', extra: { 'example.com/gpu': '1' } }), makeNode('big', { cpu: '8', memory: '16Gi', extra: { 'example.com/gpu': '2' } })],
      [onNode(makePod('x', { requests: { cpu: '500m', 'example.com/gpu': '1' } }), 'small')],
    ),
  );
  const pod = makePod('p', { requests: { cpu: '1', memory: '2Gi', 'ephemeral-storage': '1Gi', 'example.com/gpu': '1' } });
  const got = filterAll(newNodeResourcesFit(), pod, snap);
  assert.deepEqual(got.get('small'), { code: 'Unschedulable', reasons: ['Too many pods', 'Insufficient cpu', 'Insufficient memory', 'Insufficient example.com/gpu'] });
  assert.equal(got.get('big'), undefined);
});

it('NodeResourcesFit counts init containers as upstream', () => {
  const snap = snapshotOf(cacheWith([makeNode('n', { cpu: '1' })]));
  const pod = makePod('p', { requests: { cpu: '100m' }, initContainers: [{ name: 'init', image: 'x', resources: { requests: { cpu: '2' } } }] });
  assert.deepEqual(filterAll(newNodeResourcesFit(), pod, snap).get('n')?.reasons, ['Insufficient cpu']);
});

it('LeastAllocated favours emptier nodes, counting missing requests at the non-zero defaults', () => {
  assert.equal(leastRequestedScore(1000, 4000), 75);
  assert.equal(leastRequestedScore(5000, 4000), 0);
  const snap = snapshotOf(cacheWith([makeNode('busy', { cpu: '4', memory: '4Gi' }), makeNode('idle', { cpu: '4', memory: '4Gi' })], [onNode(makePod('x', { requests: { cpu: '3', memory: '3Gi' } }), 'busy')]));
  const scores = scoreAll(newNodeResourcesFit(), makePod('p'), snap);
  // idle: cpu (4000-100)/4000 → 97, memory (4096-200)/4096 Mi → 95 ⇒ 96.
  assert.equal(scores.get('idle'), 96);
  assert.ok(scores.get('busy')! < scores.get('idle')!);
});
