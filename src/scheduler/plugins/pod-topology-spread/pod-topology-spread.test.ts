import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { realClock } from '../../../util/clock.js';
import { EMPTY_LISTERS, type CycleState } from '../../types.js';
import { podInfo } from '../../pod-info.js';
import { cacheWith, filterAll, makeNode, makePod, onNode, scoreAll, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ERR_CONSTRAINTS, ERR_MISSING_LABEL, defaultSelector, newPodTopologySpread } from './pod-topology-spread.js';

const nodes = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('a2', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } }), makeNode('nozone')];
const existing = [onNode(makePod('x1', {}, { app: 'web' }), 'a1'), onNode(makePod('x2', {}, { app: 'web' }), 'a2')];
const constraint = (c: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...c });

it('DoNotSchedule: rejects domains that would exceed maxSkew and nodes missing the key', () => {
  const snap = snapshotOf(cacheWith(nodes, existing));
  const got = filterAll(newPodTopologySpread(), makePod('p', { topologySpreadConstraints: [constraint()] }, { app: 'web' }), snap);
  assert.deepEqual(got.get('a1'), { code: 'Unschedulable', reasons: [ERR_CONSTRAINTS] });
  assert.equal(got.get('b1'), undefined);
  assert.deepEqual(got.get('nozone'), { code: 'UnschedulableAndUnresolvable', reasons: [ERR_MISSING_LABEL] });
  const loose = filterAll(newPodTopologySpread(), makePod('q', { topologySpreadConstraints: [constraint({ maxSkew: 3 })] }, { app: 'web' }), snap);
  assert.equal(loose.get('a1'), undefined);
});

it('minDomains: fewer eligible domains than required makes the global minimum 0', () => {
  const snap = snapshotOf(cacheWith(nodes, [...existing, onNode(makePod('x3', {}, { app: 'web' }), 'b1')]));
  const pod = (minDomains?: number) => makePod('p', { topologySpreadConstraints: [constraint(minDomains ? { minDomains } : {})] }, { app: 'web' });
  assert.equal(filterAll(newPodTopologySpread(), pod(), snap).get('b1'), undefined);
  assert.ok(filterAll(newPodTopologySpread(), pod(3), snap).get('b1'));
});

it('nodeAffinityPolicy Honor leaves nodes the pod cannot use out of the domains', () => {
  const snap = snapshotOf(cacheWith(nodes, existing));
  // Only zone a is allowed by the selector, so b does not hold the minimum down.
  const pod = makePod('p', { nodeSelector: { zone: 'a' }, topologySpreadConstraints: [constraint()] }, { app: 'web' });
  assert.equal(filterAll(newPodTopologySpread(), pod, snap).get('a1'), undefined);
});

it('ScheduleAnyway scores less-loaded domains higher', () => {
  const snap = snapshotOf(cacheWith(nodes, existing));
  const scores = scoreAll(newPodTopologySpread(), makePod('p', { topologySpreadConstraints: [constraint({ whenUnsatisfiable: 'ScheduleAnyway' })] }, { app: 'web' }), snap);
  assert.equal(scores.get('b1'), 100);
  assert.ok(scores.get('a1')! < 100);
  assert.equal(scores.get('nozone'), 0);
});

it('two constraints on the same key count their own selectors', () => {
  const snap = snapshotOf(cacheWith(nodes, [...existing, onNode(makePod('d1', {}, { tier: 'db' }), 'b1')]));
  const pod = makePod('p', { topologySpreadConstraints: [constraint(), constraint({ labelSelector: { matchLabels: { tier: 'db' } } })] }, { app: 'web', tier: 'db' });
  const got = filterAll(newPodTopologySpread(), pod, snap);
  // web: a=2, b=0 → only b; db: a=0, b=1 → only a. No node satisfies both.
  assert.ok(got.get('a1'));
  assert.ok(got.get('b1'));
});

it('system defaults: a pod with no constraints spreads over its Service’s pods by host and zone', () => {
  const zone = (z: string) => ({ labels: { 'topology.kubernetes.io/zone': z } });
  const nodes = [makeNode('a1', zone('a')), makeNode('a2', zone('a')), makeNode('b1', zone('b')), makeNode('nozone')];
  const web = (name: string) => makePod(name, {}, { app: 'web', pod: name });
  const snap = snapshotOf(cacheWith(nodes, [onNode(web('w1'), 'a1'), onNode(web('w2'), 'a1'), onNode(web('w3'), 'a2'), onNode(makePod('other', {}, { app: 'db' }), 'b1')]));
  const service = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' } } };
  const handle = { clock: realClock, listers: { ...EMPTY_LISTERS, services: (ns: string) => (ns === 'default' ? [service] : []) } };
  const scores = scoreAll(newPodTopologySpread(handle), web('new'), snap);
  // Fewest matching pods in its host and zone scores highest; a node without a zone still scores by host.
  assert.ok(scores.get('b1')! > scores.get('a2')!, JSON.stringify([...scores]));
  assert.ok(scores.get('a2')! > scores.get('a1')!, JSON.stringify([...scores]));
  assert.ok(scores.get('nozone')! > scores.get('a1')!, JSON.stringify([...scores]));
  // Nothing selects the pod: no defaults, no scoring.
  assert.deepEqual([...scoreAll(newPodTopologySpread(handle), makePod('lonely', {}, { app: 'x' }), snap).values()], [0, 0, 0, 0]);
  // Only the workloads that select the pod shape the selector.
  assert.deepEqual(defaultSelector(makePod('x', {}, { app: 'db' }), handle.listers), undefined);
  assert.ok(defaultSelector(web('y'), handle.listers));
});

it('removePod and addPod update the domain counts on a copy of the cycle state only', () => {
  const snap = snapshotOf(cacheWith(nodes, existing));
  const plugin = newPodTopologySpread();
  const pod = podInfo(makePod('p', { topologySpreadConstraints: [constraint()] }, { app: 'web' }));
  const state: CycleState = new Map();
  plugin.preFilter!(state, pod, snap);
  const a1 = snap.get('a1')!;
  const b1 = snap.get('b1')!;
  assert.ok(plugin.filter!(state, pod, a1), 'zone a holds 2, zone b 0: a is over the skew');
  // Without both placed pods zone a is level with b.
  const without: CycleState = new Map(state);
  plugin.removePod!(without, pod, podInfo(existing[0]!), a1);
  plugin.removePod!(without, pod, podInfo(existing[1]!), snap.get('a2')!);
  assert.equal(plugin.filter!(without, pod, a1), undefined);
  assert.ok(plugin.filter!(state, pod, a1), 'the original state is unchanged');
  // A matching pod added in zone b raises its count (and the minimum) there.
  const withB: CycleState = new Map(without);
  plugin.addPod!(withB, pod, podInfo(makePod('n', {}, { app: 'web' })), b1);
  assert.ok(plugin.filter!(withB, pod, b1));
  assert.equal(plugin.filter!(withB, pod, a1), undefined);
  // Other namespaces and unselected pods change nothing.
  const other: CycleState = new Map(without);
  plugin.addPod!(other, pod, podInfo(makePod('m', {}, { app: 'web' }, 'elsewhere')), b1);
  plugin.addPod!(other, pod, podInfo(makePod('o', {}, { app: 'db' })), b1);
  assert.equal(other.get('PodTopologySpread/filter'), without.get('PodTopologySpread/filter'));
});
