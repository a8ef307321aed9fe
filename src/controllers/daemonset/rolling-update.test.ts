import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podsByNode } from './manage.js';
import { allowsSurge, planRollingUpdate, surgeCount, unavailableCount } from './rolling-update.js';
import { NOW_MS, daemonPod, daemonSet, names, node } from './fixtures.test-suite.js';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => node(`n${i}`));
const plan = (ds: ReturnType<typeof daemonSet>, pods: Pod[], count = 4) => planRollingUpdate({ ds, nodes: nodes(count), nodeToPods: podsByNode(pods), hash: 'new', nowMs: NOW_MS });
const strategy = (maxUnavailable: number | string, maxSurge: number | string) => daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } } });

describe('DaemonSet rolling update', () => {
  it('scales maxUnavailable and maxSurge, percentages rounding up', () => {
    assert.equal(unavailableCount(strategy('10%', 0), 15), 2);
    assert.equal(surgeCount(strategy(0, '50%'), 3), 2);
    assert.equal(allowsSurge(strategy(1, 0)), false);
    assert.equal(allowsSurge(strategy(0, '10%')), true);
    assert.equal(unavailableCount(daemonSet({ updateStrategy: { type: 'OnDelete' } }), 10), 0);
  });

  it('deletes at most maxUnavailable available old pods', () => {
    const old = [0, 1, 2, 3].map((i) => daemonPod(`n${i}`, { hash: 'old' }));
    assert.equal(plan(strategy(1, 0), old).delete.length, 1);
    assert.equal(plan(strategy(2, 0), old).delete.length, 2);
    assert.deepEqual(plan(strategy(2, 0), old).create, []);
  });

  it('counts unavailable new pods and empty nodes against maxUnavailable', () => {
    const pods = [daemonPod('n0', { hash: 'new', ready: false }), daemonPod('n2', { hash: 'old' }), daemonPod('n3', { hash: 'old' })];
    assert.deepEqual(plan(strategy(2, 0), pods).delete, [], 'n0 is not available and n1 has no pod yet');
    const progressed = [daemonPod('n0', { hash: 'new' }), daemonPod('n1', { hash: 'new' }), ...pods.slice(1)];
    assert.equal(plan(strategy(2, 0), progressed).delete.length, 2);
  });

  it('replaces unavailable old pods regardless of the budget', () => {
    const broken = daemonPod('n1', { hash: 'old', ready: false });
    const pods = [daemonPod('n0', { hash: 'new', ready: false }), broken, daemonPod('n2', { hash: 'old' }), daemonPod('n3', { hash: 'old' })];
    assert.deepEqual(plan(strategy(1, 0), pods).delete, names([broken]));
  });

  it('honours minReadySeconds when judging availability', () => {
    const ds = strategy(1, 0);
    ds.spec!.minReadySeconds = 120;
    const pods = [daemonPod('n0', { hash: 'new', readySecondsAgo: 10 }), daemonPod('n1', { hash: 'old', readySecondsAgo: 500 })];
    assert.deepEqual(plan(ds, pods, 2).delete, []);
  });

  it('with surge creates new pods beside old ones, up to maxSurge, and deletes the old once the new is available', () => {
    const old = [0, 1, 2, 3].map((i) => daemonPod(`n${i}`, { hash: 'old' }));
    const first = plan(strategy(0, 2), old);
    assert.deepEqual(first, { delete: [], create: first.create });
    assert.equal(first.create.length, 2);
    const waiting = [...old, daemonPod('n0', { hash: 'new', ready: false })];
    assert.equal(plan(strategy(0, 2), waiting).create.length, 1, 'one surge in flight leaves room for one more');
    const done = [...old, daemonPod('n0', { hash: 'new' })];
    const next = plan(strategy(0, 1), done);
    assert.deepEqual(next.delete, names([old[0]!]));
    assert.equal(next.create.length, 1, 'an available new pod no longer counts against maxSurge');
  });
});
