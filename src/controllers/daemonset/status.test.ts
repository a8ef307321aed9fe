import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podsByNode } from './manage.js';
import { countDaemonPods, daemonSetStatus } from './status.js';
import { NOW_MS, daemonPod, daemonSet, node } from './fixtures.test-suite.js';

describe('DaemonSet status', () => {
  it('counts desired, current, misscheduled, ready, updated, available and unavailable nodes', () => {
    const ds = daemonSet({ minReadySeconds: 30 });
    ds.spec!.template.spec!.nodeSelector = { role: 'worker' };
    const worker = (name: string) => node(name, { role: 'worker' });
    const pods = [
      daemonPod('w0', { hash: 'new' }),
      daemonPod('w1', { hash: 'old', readySecondsAgo: 5 }),
      daemonPod('w2', { hash: 'new', ready: false }),
      daemonPod('other', { hash: 'new' }),
    ];
    const counts = countDaemonPods(ds, [worker('w0'), worker('w1'), worker('w2'), worker('w3'), node('other')], podsByNode(pods), 'new', NOW_MS);
    assert.deepEqual(counts, { desiredNumberScheduled: 4, currentNumberScheduled: 3, numberMisscheduled: 1, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 1, numberUnavailable: 3 });
  });

  it('judges a node by its oldest pod', () => {
    const pods = [daemonPod('n0', { hash: 'old', createdSecondsAgo: 300 }), daemonPod('n0', { hash: 'new', createdSecondsAgo: 3 })];
    const counts = countDaemonPods(daemonSet(), [node('n0')], podsByNode(pods), 'new', NOW_MS);
    assert.equal(counts.updatedNumberScheduled, 0);
    assert.equal(counts.currentNumberScheduled, 1);
  });

  it('raises observedGeneration only when asked and keeps collisionCount', () => {
    const counts = { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberUnavailable: 0 };
    assert.deepEqual(daemonSetStatus({ observedGeneration: 1, collisionCount: 1, currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 }, counts, undefined), {
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      desiredNumberScheduled: 2,
      numberReady: 2,
      observedGeneration: 1,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
      collisionCount: 1,
    });
    assert.equal(daemonSetStatus(undefined, counts, 3).observedGeneration, 3);
  });
});
