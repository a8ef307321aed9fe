import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { TAINT_EVICTION_CONDITION, evictionDecision, notReadyConditions, withCondition } from './taint-eviction.js';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const custom: Taint = { key: 'example.com/drain', value: 'yes', effect: 'NoExecute' };
const pod = (tolerations: Toleration[] = [], ready?: string): Pod => ({
  metadata: { name: 'p' },
  spec: { containers: [], tolerations },
  status: ready ? { conditions: [{ type: 'Ready', status: ready, lastTransitionTime: 'T0' }] } : {},
});

describe('evictionDecision', () => {
  it('ignores nodes without NoExecute taints', () => {
    assert.deepEqual(evictionDecision(pod(), [{ key: 'x', effect: 'NoSchedule' }]), { kind: 'none' });
  });
  it('evicts at once when a taint is not tolerated', () => {
    assert.deepEqual(evictionDecision(pod(), [unreachable]), { kind: 'now' });
    assert.deepEqual(evictionDecision(pod([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]), [unreachable, custom]), { kind: 'now' });
    assert.deepEqual(evictionDecision(pod([{ key: 'example.com/drain', operator: 'Equal', value: 'no' }]), [custom]), { kind: 'now' });
  });
  it('waits for the smallest tolerationSeconds of the tolerations in use', () => {
    const tolerations: Toleration[] = [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'example.com/drain', operator: 'Equal', value: 'yes', tolerationSeconds: 30 },
      { key: 'unrelated', operator: 'Exists', tolerationSeconds: 1 },
    ];
    assert.deepEqual(evictionDecision(pod(tolerations), [unreachable, custom]), { kind: 'after', seconds: 30 });
    assert.deepEqual(evictionDecision(pod([{ operator: 'Exists', tolerationSeconds: -5 }]), [unreachable]), { kind: 'after', seconds: 0 });
  });
  it('never evicts when every taint is tolerated forever', () => {
    assert.deepEqual(evictionDecision(pod([{ operator: 'Exists' }]), [unreachable, custom]), { kind: 'none' });
  });
});

describe('pod conditions', () => {
  it('marks a Ready pod not ready once', () => {
    assert.deepEqual(notReadyConditions(pod([], 'True'), 'T1'), [{ type: 'Ready', status: 'False', lastTransitionTime: 'T1' }]);
    assert.equal(notReadyConditions(pod([], 'False'), 'T1'), undefined);
    assert.equal(notReadyConditions(pod(), 'T1'), undefined);
  });
  it('adds the DisruptionTarget condition', () => {
    const conditions = withCondition(pod([], 'True'), TAINT_EVICTION_CONDITION, 'T2');
    assert.equal(conditions.length, 2);
    assert.deepEqual(conditions[1], { ...TAINT_EVICTION_CONDITION, lastTransitionTime: 'T2' });
  });
});
