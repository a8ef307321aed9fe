import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { maxUnavailable, planStatefulSet, revisionForOrdinal, type StatefulAction } from './plan.js';
import { NOW, pod, set } from './fixtures.test-support.js';

const run = (s: StatefulSet, pods: Pod[], update = 'web-v1') => planStatefulSet({ set: s, pods, currentRevision: 'web-v1', updateRevision: update, nowMs: NOW });
const show = (a: StatefulAction) => (a.type === 'create' ? `create ${a.ordinal} ${a.revision}` : `${a.type} ${a.pod.metadata!.name}${a.type === 'delete' ? ` ${a.why}` : ''}`);
const shown = (s: StatefulSet, pods: Pod[], update?: string) => run(s, pods, update).actions.map(show);

describe('planStatefulSet: OrderedReady', () => {
  it('creates the lowest missing ordinal and waits for it', () => {
    assert.deepEqual(shown(set(), []), ['create 0 update']);
    assert.deepEqual(shown(set(), [pod(0, { phase: 'Pending' })]), [], 'web-0 not ready yet');
    assert.deepEqual(shown(set(), [pod(0)]), ['create 1 update']);
    assert.deepEqual(shown(set(), [pod(0), pod(1)]), ['create 2 update']);
  });
  it('waits for minReadySeconds before the next ordinal', () => {
    assert.deepEqual(shown(set({ minReadySeconds: 30 }), [pod(0, { readyAgoS: 5 })]), []);
    assert.deepEqual(shown(set({ minReadySeconds: 30 }), [pod(0, { readyAgoS: 60 })]), ['create 1 update']);
  });
  it('honours spec.ordinals.start', () => {
    assert.deepEqual(shown(set({ replicas: 2, ordinals: { start: 3 } }), [pod(3)]), ['create 4 update']);
    assert.deepEqual(shown(set({ replicas: 1, ordinals: { start: 3 } }), [pod(0), pod(3)]), ['delete web-0 condemned']);
  });
  it('deletes a failed replica first', () => {
    assert.deepEqual(shown(set(), [pod(0), pod(1, { phase: 'Failed' }), pod(2)]), ['delete web-1 failed']);
  });
  it('scales down from the highest ordinal, one at a time, waiting for termination', () => {
    const s = set({ replicas: 1 });
    assert.deepEqual(shown(s, [pod(0), pod(1), pod(2)]), ['delete web-2 condemned']);
    assert.deepEqual(shown(s, [pod(0), pod(1), pod(2, { deleting: true })]), []);
    assert.deepEqual(shown(s, [pod(0), pod(1)]), ['delete web-1 condemned']);
  });
  it('does not scale down past an unhealthy pod unless it is the first unhealthy one', () => {
    const s = set({ replicas: 1 });
    assert.deepEqual(shown(s, [pod(0), pod(1, { ready: false }), pod(2)]), ['delete web-2 condemned']);
    assert.deepEqual(shown(s, [pod(0), pod(1), pod(2, { ready: false })]), ['delete web-2 condemned']);
    assert.deepEqual(shown(s, [pod(0), pod(1, { ready: false }), pod(2, { ready: false })]), [], 'web-2 is not the first unhealthy');
  });
});

describe('planStatefulSet: Parallel', () => {
  it('creates and deletes everything at once', () => {
    const s = set({ podManagementPolicy: 'Parallel' });
    assert.deepEqual(shown(s, []), ['create 0 update', 'create 1 update', 'create 2 update']);
    assert.deepEqual(shown(s, [pod(0, { phase: 'Pending' })]), ['create 1 update', 'create 2 update']);
    assert.deepEqual(shown(set({ podManagementPolicy: 'Parallel', replicas: 1 }), [pod(0), pod(1), pod(2)]), ['delete web-2 condemned', 'delete web-1 condemned']);
  });
});

describe('planStatefulSet: updates', () => {
  const v1 = () => [pod(0), pod(1), pod(2)];
  it('rolls from the highest ordinal down, one at a time', () => {
    assert.deepEqual(shown(set(), v1(), 'web-v2'), ['delete web-2 update']);
    assert.deepEqual(shown(set(), [pod(0), pod(1), pod(2, { rev: 'web-v2', phase: 'Pending' })], 'web-v2'), []);
    assert.deepEqual(shown(set(), [pod(0), pod(1), pod(2, { rev: 'web-v2' })], 'web-v2'), ['delete web-1 update']);
  });
  it('leaves ordinals below the partition alone', () => {
    const s = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    assert.deepEqual(shown(s, v1(), 'web-v2'), ['delete web-2 update']);
    assert.deepEqual(shown(s, [pod(0), pod(1), pod(2, { rev: 'web-v2' })], 'web-v2'), []);
  });
  it('takes down up to maxUnavailable at once', () => {
    const s = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } });
    assert.deepEqual(shown(s, v1(), 'web-v2'), ['delete web-2 update', 'delete web-1 update']);
    assert.equal(maxUnavailable(set({ replicas: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } } })), 2);
    assert.equal(maxUnavailable(set()), 1);
  });
  it('OnDelete never deletes for an update', () => {
    assert.deepEqual(shown(set({ updateStrategy: { type: 'OnDelete' } }), v1(), 'web-v2'), []);
  });
  it('creates below the partition at the current revision, above it at the update revision', () => {
    const s = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    assert.equal(revisionForOrdinal(s, 1), 'current');
    assert.equal(revisionForOrdinal(s, 2), 'update');
    assert.equal(revisionForOrdinal(set({ updateStrategy: { type: 'OnDelete' } }), 0), 'update');
  });
  it('does nothing for a set being deleted', () => {
    const base = set();
    const s = { ...base, metadata: { ...base.metadata, deletionTimestamp: new Date(NOW).toISOString() } };
    assert.deepEqual(shown(s, []), []);
  });
});
