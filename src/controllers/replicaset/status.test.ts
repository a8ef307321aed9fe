import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { calculateStatus } from './status.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const pod = (labels: Record<string, string>, ready: boolean, readySecondsAgo = 60): Pod => ({
  metadata: { labels },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(NOW.getTime() - readySecondsAgo * 1000).toISOString() }] },
});

describe('ReplicaSet status', () => {
  it('counts replicas, fully labeled, ready and available (minReadySeconds) pods', () => {
    const pods = [pod({ app: 'a', tier: 't' }, true), pod({ app: 'a' }, true, 2), pod({ app: 'a', tier: 't' }, false)];
    const s = calculateStatus(undefined, { generation: 4, templateLabels: { app: 'a', tier: 't' }, minReadySeconds: 10 }, pods, undefined, NOW);
    assert.deepEqual(s, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 4 });
  });

  it('sets ReplicaFailure while creating fails and clears it after', () => {
    const failed = calculateStatus(undefined, { generation: 1 }, [], { diff: -2, message: 'pods "x" is forbidden: exceeded quota' }, NOW);
    assert.deepEqual(failed.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [['ReplicaFailure', 'True', 'FailedCreate', 'pods "x" is forbidden: exceeded quota']]);
    assert.equal(failed.replicas, 0);
    const cleared = calculateStatus(failed, { generation: 1 }, [], undefined, NOW);
    assert.equal(cleared.conditions, undefined);
  });
});
