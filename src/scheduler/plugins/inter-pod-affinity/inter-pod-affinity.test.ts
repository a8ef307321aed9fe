import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { cacheWith, filterAll, makeNode, makePod, onNode, scoreAll, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ERR_AFFINITY, ERR_ANTI_AFFINITY, ERR_EXISTING_ANTI_AFFINITY, newInterPodAffinity } from './inter-pod-affinity.js';

const nodes = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('a2', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } }), makeNode('nozone')];
const term = (app: string, topologyKey = 'zone') => ({ topologyKey, labelSelector: { matchLabels: { app } } });

it('required affinity: only domains holding a matching pod; unresolvable elsewhere', () => {
  const snap = snapshotOf(cacheWith(nodes, [onNode(makePod('db', {}, { app: 'db' }), 'a1')]));
  const pod = makePod('web', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } } });
  const got = filterAll(newInterPodAffinity(), pod, snap);
  assert.equal(got.get('a1'), undefined);
  assert.equal(got.get('a2'), undefined);
  assert.deepEqual(got.get('b1'), { code: 'UnschedulableAndUnresolvable', reasons: [ERR_AFFINITY] });
  assert.ok(got.get('nozone'));
});

it('required affinity to itself lets the first pod of a group in', () => {
  const snap = snapshotOf(cacheWith(nodes));
  const pod = makePod('first', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('group')] } } }, { app: 'group' });
  const got = filterAll(newInterPodAffinity(), pod, snap);
  assert.equal(got.get('b1'), undefined);
  assert.ok(got.get('nozone'));
});

it('required anti-affinity of the pod and of existing pods', () => {
  const guard: Pod = onNode(makePod('guard', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web')] } } }, { app: 'guard' }), 'b1');
  const snap = snapshotOf(cacheWith(nodes, [onNode(makePod('cache', {}, { app: 'cache' }), 'a1'), guard]));
  const pod = makePod('web', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache')] } } }, { app: 'web' });
  const got = filterAll(newInterPodAffinity(), pod, snap);
  assert.deepEqual(got.get('a2'), { code: 'Unschedulable', reasons: [ERR_ANTI_AFFINITY] });
  assert.deepEqual(got.get('b1'), { code: 'Unschedulable', reasons: [ERR_EXISTING_ANTI_AFFINITY] });
  assert.equal(got.get('nozone'), undefined);
  // Other namespaces are not selected by a term without namespaces.
  assert.equal(filterAll(newInterPodAffinity(), makePod('web', {}, { app: 'web' }, 'other'), snap).get('b1'), undefined);
});

it('preferred terms score domains, min–max normalised', () => {
  const snap = snapshotOf(cacheWith(nodes, [onNode(makePod('db', {}, { app: 'db' }), 'a1'), onNode(makePod('noisy', {}, { app: 'noisy' }), 'b1')]));
  const pod = makePod('web', {
    affinity: {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('db') }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('noisy') }] },
    },
  });
  const scores = scoreAll(newInterPodAffinity(), pod, snap);
  assert.deepEqual(Object.fromEntries(scores), { a1: 100, a2: 100, b1: 0, nozone: 50 });
});

it('follows the cache between cycles: pods assumed, nodes relabelled', async () => {
  const { podInfo } = await import('../../pod-info.js');
  const cache = cacheWith(nodes);
  const pod = makePod('web', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache')] } } }, { app: 'web' });
  const rejected = () => [...filterAll(newInterPodAffinity(), pod, snapshotOf(cache))].filter(([, s]) => s).map(([n]) => n).sort();
  assert.deepEqual(rejected(), []);
  cache.assumePod(podInfo(makePod('cache-1', {}, { app: 'cache' })), 'b1');
  assert.deepEqual(rejected(), ['b1']);
  cache.assumePod(podInfo(makePod('cache-2', {}, { app: 'cache' })), 'a1');
  assert.deepEqual(rejected(), ['a1', 'a2', 'b1']);
  cache.addNode(makeNode('a1', { labels: { zone: 'b' } }));
  assert.deepEqual(rejected(), ['a1', 'b1'], 'a1 moved to zone b; a2 has no matching pod left in zone a');
  cache.forgetPod('default/cache-1');
  cache.forgetPod('default/cache-2');
  assert.deepEqual(rejected(), []);
});
