import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  NodeQuarantine,
  ORPHANED_POD_CONDITION,
  failedStatus,
  missingNodeNames,
  terminatedPodsToDelete,
  terminatingPodsOnOutOfServiceNodes,
  unscheduledTerminatingPods,
} from './gc-decisions.js';

const pod = (name: string, extra: { phase?: string; reason?: string; created?: string; nodeName?: string; deleting?: boolean } = {}): Pod => ({
  metadata: { name, namespace: 'default', creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z', ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:10:00Z' } : {}) },
  spec: { containers: [], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
  status: { ...(extra.phase ? { phase: extra.phase } : {}), ...(extra.reason ? { reason: extra.reason } : {}) },
});

const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name);

describe('terminatedPodsToDelete', () => {
  it('deletes only the excess over the threshold, evicted first then oldest', () => {
    const pods = [
      pod('new', { phase: 'Succeeded', created: '2026-01-01T00:03:00Z' }),
      pod('old', { phase: 'Failed', created: '2026-01-01T00:01:00Z' }),
      pod('evicted', { phase: 'Failed', reason: 'Evicted', created: '2026-01-01T00:05:00Z' }),
      pod('running', { phase: 'Running', created: '2026-01-01T00:00:00Z' }),
      pod('mid', { phase: 'Succeeded', created: '2026-01-01T00:02:00Z' }),
    ];
    assert.deepEqual(names(terminatedPodsToDelete(pods, 2)), ['evicted', 'old']);
    assert.deepEqual(names(terminatedPodsToDelete(pods, 4)), []);
    assert.deepEqual(names(terminatedPodsToDelete(pods, 0)), []);
  });
});

describe('terminatingPodsOnOutOfServiceNodes', () => {
  const node = (name: string, ready: string, outOfService: boolean): Node => ({
    metadata: { name },
    spec: outOfService ? { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] } : {},
    status: { conditions: [{ type: 'Ready', status: ready }] },
  });
  it('picks terminating pods on not-ready nodes with the taint only', () => {
    const nodes = new Map([
      ['oos', node('oos', 'False', true)],
      ['ready-oos', node('ready-oos', 'True', true)],
      ['down', node('down', 'Unknown', false)],
    ]);
    const pods = [
      pod('a', { nodeName: 'oos', deleting: true, phase: 'Running' }),
      pod('b', { nodeName: 'oos', phase: 'Running' }),
      pod('c', { nodeName: 'ready-oos', deleting: true, phase: 'Running' }),
      pod('d', { nodeName: 'down', deleting: true, phase: 'Running' }),
    ];
    assert.deepEqual(names(terminatingPodsOnOutOfServiceNodes(pods, nodes)), ['a']);
  });
});

describe('orphans and unscheduled', () => {
  it('finds nodes missing from the cache', () => {
    const pods = [pod('a', { nodeName: 'gone' }), pod('b', { nodeName: 'here' }), pod('c')];
    assert.deepEqual([...missingNodeNames(pods, new Set(['here']))], ['gone']);
  });
  it('finds terminating pods without a node', () => {
    assert.deepEqual(names(unscheduledTerminatingPods([pod('a', { deleting: true }), pod('b', { deleting: true, nodeName: 'n' }), pod('c')])), ['a']);
  });
  it('quarantines a missing node before reporting it', () => {
    const q = new NodeQuarantine();
    assert.deepEqual(q.observe(new Set(['n']), 0, 40_000), []);
    assert.deepEqual(q.observe(new Set(['n']), 39_999, 40_000), []);
    assert.deepEqual(q.observe(new Set(['n']), 40_000, 40_000), ['n']);
    // Reappearing resets the quarantine.
    q.observe(new Set(), 41_000, 40_000);
    assert.deepEqual(q.observe(new Set(['n']), 42_000, 40_000), []);
  });
});

describe('failedStatus', () => {
  it('marks a running pod Failed with the condition', () => {
    const status = failedStatus(pod('a', { phase: 'Running' }), ORPHANED_POD_CONDITION, '2026-01-01T00:00:00Z');
    assert.equal(status?.phase, 'Failed');
    assert.deepEqual(status?.conditions, [{ ...ORPHANED_POD_CONDITION, lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  });
  it('leaves a terminal pod alone', () => {
    assert.equal(failedStatus(pod('a', { phase: 'Succeeded' }), ORPHANED_POD_CONDITION, 'x'), undefined);
  });
});
