import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, makeNode, makePod, onNode, snapshotOf } from '../../test/support/scheduler-fixtures.js';
import { podInfo } from './pod-info.js';
import { nodeUpdateEvents } from './scheduler.js';

it('accounts assumed pods at once, confirms them from the informer, forgets failed ones', () => {
  const cache = cacheWith([makeNode('a', { cpu: '2' })]);
  const pod = makePod('p', { requests: { cpu: '1' } });
  cache.assumePod(podInfo(pod), 'a');
  const node = () => snapshotOf(cache).get('a')!;
  assert.equal(node().requested.get('cpu'), 1000);
  assert.ok(cache.isAssumed('default/p'));
  cache.addPod(onNode(pod, 'a'));
  assert.equal(cache.isAssumed('default/p'), false);
  assert.equal(node().requested.get('cpu'), 1000);
  cache.forgetPod('default/p');
  assert.equal(node().requested.get('cpu'), 1000, 'a confirmed pod is not forgotten');
  cache.assumePod(podInfo(makePod('q', { requests: { cpu: '500m' } })), 'a');
  cache.forgetPod('default/q');
  assert.equal(node().requested.get('cpu'), 1000);
  cache.removePod(onNode(pod, 'a'));
  assert.equal(node().requested.get('cpu'), 0);
  assert.equal(node().pods.size, 0);
});

it('keeps pods of a deleted node accounted until they go, but offers the node no more', () => {
  const cache = cacheWith([makeNode('a'), makeNode('b')], [onNode(makePod('p'), 'a')]);
  cache.removeNode('a');
  assert.equal(snapshotOf(cache).nodes.length, 1);
  assert.equal(snapshotOf(cache).get('a'), undefined);
  cache.addNode(makeNode('a'));
  assert.equal(snapshotOf(cache).get('a')!.pods.size, 1);
});

it('node updates name only the changes that can help pods', () => {
  const n = makeNode('a');
  assert.deepEqual(nodeUpdateEvents(n, { ...n, status: { ...n.status, conditions: [{ type: 'Ready', status: 'True' }] } }), []);
  assert.deepEqual(nodeUpdateEvents(n, { ...n, metadata: { ...n.metadata, labels: { x: 'y' } } }), ['Node/UpdateLabel']);
  assert.deepEqual(nodeUpdateEvents(n, { ...n, spec: { unschedulable: true } }), ['Node/UpdateTaint']);
  assert.deepEqual(nodeUpdateEvents(n, { ...n, status: { ...n.status, allocatable: { cpu: '8' } } }), ['Node/UpdateAllocatable']);
});

it('expires an assumed pod whose binding finished but never showed up, and only then', () => {
  const cache = cacheWith([makeNode('a', { cpu: '2' })]);
  const pending = makePod('p', { requests: { cpu: '1' } });
  const confirmed = makePod('q', { requests: { cpu: '1' } });
  cache.assumePod(podInfo(pending), 'a');
  cache.assumePod(podInfo(confirmed), 'a');
  // Binding still in flight: never expires.
  assert.deepEqual(cache.cleanupExpiredAssumedPods(1_000_000), []);
  cache.finishBinding('default/p', 100, true);
  cache.finishBinding('default/q', 100, true);
  cache.addPod(onNode(confirmed, 'a'));
  assert.deepEqual(cache.cleanupExpiredAssumedPods(99), []);
  assert.deepEqual(cache.cleanupExpiredAssumedPods(100), ['default/p']);
  assert.equal(cache.hasPod('default/p'), false);
  assert.equal(snapshotOf(cache).get('a')!.requested.get('cpu'), 1000);
  // TTL 0 (upstream's default): finishing binding sets no deadline.
  cache.assumePod(podInfo(pending), 'a');
  cache.finishBinding('default/p', 0, false);
  assert.deepEqual(cache.cleanupExpiredAssumedPods(Number.MAX_SAFE_INTEGER), []);
});

it('keeps groups’ domain counts in step with pods, node relabels and node removal', () => {
  const cache = cacheWith([makeNode('a1', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } })]);
  const web = (name: string) => podInfo(makePod(name, {}, { app: 'web' }));
  cache.assumePod(web('w1'), 'a1');
  const zones = () => {
    const groups = [...snapshotOf(cache).podGroups()];
    return groups.length === 0 ? {} : Object.fromEntries(groups[0]!.placed.domains('zone').byValue);
  };
  assert.deepEqual(zones(), { a: 1 });
  cache.assumePod(web('w2'), 'b1');
  cache.assumePod(web('w3'), 'b1');
  assert.deepEqual(zones(), { a: 1, b: 2 });
  cache.addNode(makeNode('b1', { labels: { zone: 'c' } }));
  assert.deepEqual(zones(), { a: 1, c: 2 });
  cache.removeNode('a1');
  assert.deepEqual(zones(), { c: 2 }, 'a removed node is no domain');
  cache.forgetPod('default/w2');
  cache.forgetPod('default/w3');
  cache.forgetPod('default/w1');
  assert.deepEqual(zones(), {});
});
