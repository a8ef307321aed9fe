import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cacheWith, makeNode, makePod, onNode, snapshotOf } from '../../test/support/scheduler-fixtures.js';
import { fitErrorMessage } from './fit-error.js';
import { Framework, numFeasibleNodesToFind } from './framework.js';
import { podInfo } from './pod-info.js';
import { preempt } from './preemption.js';
import { DEFAULT_PROFILE } from './registry.js';

it('numFeasibleNodesToFind follows upstream’s adaptive percentage', () => {
  assert.equal(numFeasibleNodesToFind(50), 50);
  assert.equal(numFeasibleNodesToFind(100), 100);
  assert.equal(numFeasibleNodesToFind(1000), 420);
  assert.equal(numFeasibleNodesToFind(5000), 500);
  assert.equal(numFeasibleNodesToFind(100_000), 5000);
});

it('words FailedScheduling as upstream, with the preemption summary', () => {
  const taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
  const cache = cacheWith([makeNode('small', { cpu: '1' }), makeNode('cp1', { taints: [taint] }), makeNode('cp2', { taints: [taint] })]);
  const snapshot = snapshotOf(cache);
  const framework = new Framework(DEFAULT_PROFILE);
  const pod = podInfo(makePod('p', { requests: { cpu: '2' } }));
  const result = framework.schedule(pod, snapshot);
  assert.equal(result.kind, 'unschedulable');
  if (result.kind !== 'unschedulable') return;
  const outcome = preempt(framework, pod, snapshot, result.diagnosis);
  assert.equal(outcome.kind, 'none');
  const message = fitErrorMessage(result.numAllNodes, result.diagnosis, outcome.kind === 'none' ? outcome.message : undefined);
  assert.equal(
    message,
    '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
  );
  assert.deepEqual([...result.diagnosis.unschedulablePlugins].sort(), ['NodeResourcesFit', 'TaintToleration']);
});

it('picks the best-scoring feasible node and the cache makes the next pod see it', () => {
  const cache = cacheWith([makeNode('a', { cpu: '2' }), makeNode('b', { cpu: '2' })], [onNode(makePod('x', { requests: { cpu: '1500m' } }), 'a')]);
  const framework = new Framework(DEFAULT_PROFILE);
  const first = framework.schedule(podInfo(makePod('p1', { requests: { cpu: '1' } })), snapshotOf(cache));
  assert.deepEqual(first.kind === 'scheduled' && first.node, 'b');
  cache.assumePod(podInfo(makePod('p1', { requests: { cpu: '1' } })), 'b');
  const second = framework.schedule(podInfo(makePod('p2', { requests: { cpu: '1' } })), snapshotOf(cache));
  assert.deepEqual(second.kind === 'scheduled' && second.node, 'b');
  cache.assumePod(podInfo(makePod('p2', { requests: { cpu: '1' } })), 'b');
  assert.equal(framework.schedule(podInfo(makePod('p3', { requests: { cpu: '1' } })), snapshotOf(cache)).kind, 'unschedulable');
  cache.forgetPod('default/p2');
  assert.equal(framework.schedule(podInfo(makePod('p3', { requests: { cpu: '1' } })), snapshotOf(cache)).kind, 'scheduled');
});

it('preemption picks the node whose victims matter least, reprieving what it can', () => {
  const prio = (pod: ReturnType<typeof makePod>, priority: number) => ({ ...pod, spec: { ...pod.spec!, priority } });
  const cache = cacheWith(
    [makeNode('a', { cpu: '2' }), makeNode('b', { cpu: '2' })],
    [
      onNode(prio(makePod('a-low', { requests: { cpu: '1' } }), 10), 'a'),
      onNode(prio(makePod('a-lower', { requests: { cpu: '500m' } }), 5), 'a'),
      onNode(prio(makePod('a-tiny', { requests: { cpu: '500m' } }), 1), 'a'),
      onNode(prio(makePod('b-mid', { requests: { cpu: '2' } }), 50), 'b'),
    ],
  );
  const snapshot = snapshotOf(cache);
  const framework = new Framework(DEFAULT_PROFILE);
  const pod = podInfo(prio(makePod('urgent', { requests: { cpu: '1' } }), 100));
  const result = framework.schedule(pod, snapshot);
  assert.equal(result.kind, 'unschedulable');
  if (result.kind !== 'unschedulable') return;
  const outcome = preempt(framework, pod, snapshot, result.diagnosis);
  assert.equal(outcome.kind, 'preempt');
  if (outcome.kind !== 'preempt') return;
  assert.equal(outcome.candidate.node, 'a');
  // a-low (most important) is reprieved; the two small pods make room.
  assert.deepEqual(outcome.candidate.victims.map((v) => v.pod.metadata?.name).sort(), ['a-lower', 'a-tiny']);
  const never = podInfo({ ...pod.pod, metadata: { ...pod.pod.metadata, name: 'polite' }, spec: { ...pod.pod.spec!, preemptionPolicy: 'Never' } });
  assert.deepEqual(preempt(framework, never, snapshot, result.diagnosis), { kind: 'none', message: 'preemption: not eligible due to preemptionPolicy=Never.' });
});

it('preemption waits while victims on the nominated node are still terminating', () => {
  const low = onNode({ ...makePod('low', { requests: { cpu: '2' } }), metadata: { ...makePod('low').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, 'a');
  const cache = cacheWith([makeNode('a', { cpu: '2' })], [low]);
  const snapshot = snapshotOf(cache);
  const framework = new Framework(DEFAULT_PROFILE);
  const urgent = makePod('urgent', { requests: { cpu: '1' }, priority: 100 });
  const pod = podInfo({ ...urgent, status: { nominatedNodeName: 'a' } });
  const result = framework.schedule(pod, snapshot);
  assert.equal(result.kind, 'unschedulable');
  if (result.kind !== 'unschedulable') return;
  assert.deepEqual(preempt(framework, pod, snapshot, result.diagnosis), { kind: 'none', message: 'preemption: not eligible due to a terminating pod on the nominated node.' });
});

it('counts pods nominated to a node with at least the pod’s priority as placed there', () => {
  const cache = cacheWith([makeNode('a', { cpu: '2' })]);
  const framework = new Framework(DEFAULT_PROFILE);
  const nominee = (priority: number) => podInfo(makePod(`nominee-${priority}`, { requests: { cpu: '1500m' }, priority }));
  const pod = podInfo(makePod('p', { requests: { cpu: '1' }, priority: 10 }));
  const snapshot = snapshotOf(cache);
  assert.equal(framework.schedule(pod, snapshot, () => [nominee(10)]).kind, 'unschedulable');
  // A less important nominated pod does not hold the room; nor does the pod itself.
  assert.equal(framework.schedule(pod, snapshot, () => [nominee(5)]).kind, 'scheduled');
  assert.equal(framework.schedule(pod, snapshot, () => [pod]).kind, 'scheduled');
  assert.equal(framework.schedule(pod, snapshot, (n) => (n === 'elsewhere' ? [nominee(10)] : undefined)).kind, 'scheduled');
});

it('nominated pods count in topology spread and inter-pod anti-affinity (the PreFilter AddPod extension)', () => {
  const zone = (z: string) => ({ 'topology.kubernetes.io/zone': z });
  const cache = cacheWith([makeNode('a', { labels: zone('za') }), makeNode('b', { labels: zone('zb') })]);
  const snapshot = snapshotOf(cache);
  const framework = new Framework(DEFAULT_PROFILE);
  const nominatedOnA = (labels: Record<string, string>) => (n: string) => (n === 'a' ? [podInfo(makePod(`nominee-${n}`, { priority: 10 }, labels))] : undefined);
  const spread = podInfo(
    makePod('spread', { priority: 10, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] }, { app: 'web' }),
  );
  const anti = podInfo(
    makePod('anti', { priority: 10, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { group: 'g' } } }] } } }),
  );
  for (let i = 0; i < 20; i++) {
    // Zone za already holds a matching nominated pod: another there would make the skew 2.
    const r = framework.schedule(spread, snapshot, nominatedOnA({ app: 'web' }));
    assert.equal(r.kind === 'scheduled' && r.node, 'b');
    const s = framework.schedule(anti, snapshot, nominatedOnA({ group: 'g' }));
    assert.equal(s.kind === 'scheduled' && s.node, 'b');
  }
  // A nominated pod the constraints do not select holds nothing back.
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = framework.schedule(spread, snapshot, nominatedOnA({ app: 'other' }));
    if (r.kind === 'scheduled') seen.add(r.node);
  }
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

it('preemption removes victims from what PreFilter counted: a victim whose anti-affinity keeps the pod out is evicted', () => {
  const blocker = makePod('blocker', { priority: 0, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'urgent' } } }] } } });
  const cache = cacheWith([makeNode('a')], [onNode(blocker, 'a')]);
  const snapshot = snapshotOf(cache);
  const framework = new Framework(DEFAULT_PROFILE);
  const urgent = podInfo(makePod('urgent', { priority: 100 }, { app: 'urgent' }));
  const result = framework.schedule(urgent, snapshot);
  assert.equal(result.kind, 'unschedulable');
  if (result.kind !== 'unschedulable') return;
  const outcome = preempt(framework, urgent, snapshot, result.diagnosis);
  assert.equal(outcome.kind, 'preempt');
  if (outcome.kind !== 'preempt') return;
  assert.equal(outcome.candidate.node, 'a');
  assert.deepEqual(outcome.candidate.victims.map((v) => v.key), ['default/blocker']);
});

it('runs Reserve in order, undoing earlier reservations when one rejects, and PreBind until a rejection', async () => {
  const calls: string[] = [];
  const plugin = (name: string, reject?: 'reserve' | 'preBind') => () => ({
    name,
    reserve: () => {
      calls.push(`reserve ${name}`);
      return reject === 'reserve' ? { code: 'Unschedulable' as const, reasons: ['no'] } : undefined;
    },
    unreserve: () => void calls.push(`unreserve ${name}`),
    preBind: async () => {
      calls.push(`preBind ${name}`);
      return reject === 'preBind' ? { code: 'Error' as const, reasons: ['late'] } : undefined;
    },
  });
  const registry = { A: plugin('A'), B: plugin('B', 'reserve'), C: plugin('C', 'preBind'), D: plugin('D') };
  const pod = podInfo(makePod('p'));
  const rejecting = new Framework([{ name: 'A' }, { name: 'B' }, { name: 'D' }], registry);
  const status = rejecting.runReserve(new Map(), pod, 'n');
  assert.equal(status?.plugin, 'B');
  assert.deepEqual(calls.splice(0), ['reserve A', 'reserve B', 'unreserve D', 'unreserve B', 'unreserve A']);
  const binding = new Framework([{ name: 'A' }, { name: 'C' }, { name: 'D' }], registry);
  assert.equal((await binding.runPreBind(new Map(), pod, 'n'))?.plugin, 'C');
  assert.deepEqual(calls.splice(0), ['preBind A', 'preBind C']);
});
