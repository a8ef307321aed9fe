import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { computeStatus } from './status.js';
import { NOW, pod, set } from './fixtures.test-support.js';

const status = (s: StatefulSet, pods: Pod[]) => computeStatus({ set: s, pods, currentRevision: 'web-v1', updateRevision: 'web-v2', collisionCount: 0, nowMs: NOW });

describe('computeStatus', () => {
  it('counts created, ready, available, current and updated pods', () => {
    const st = status(set({ minReadySeconds: 30 }), [pod(0), pod(1, { readyAgoS: 5 }), pod(2, { rev: 'web-v2', phase: 'Pending' })]);
    assert.equal(st.replicas, 3);
    assert.equal(st.readyReplicas, 2);
    assert.equal(st.availableReplicas, 1);
    assert.equal(st.currentReplicas, 2);
    assert.equal(st.updatedReplicas, 1);
    assert.equal(st.currentRevision, 'web-v1');
    assert.equal(st.updateRevision, 'web-v2');
    assert.equal(st.observedGeneration, 4);
  });
  it('completes a rolling update once every pod is updated and ready', () => {
    const st = status(set(), [pod(0, { rev: 'web-v2' }), pod(1, { rev: 'web-v2' })]);
    assert.equal(st.currentRevision, 'web-v2');
    assert.equal(st.currentReplicas, 2);
    const onDelete = status(set({ updateStrategy: { type: 'OnDelete' } }), [pod(0, { rev: 'web-v2' })]);
    assert.equal(onDelete.currentRevision, 'web-v1', 'OnDelete never completes on its own');
  });
  it('does not count terminating pods as current or updated', () => {
    const st = status(set(), [pod(0, { deleting: true })]);
    assert.equal(st.replicas, 1);
    assert.equal(st.currentReplicas, 0);
  });
});
