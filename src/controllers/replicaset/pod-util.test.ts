import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { compareForDeletion, isPodActive, isPodAvailable, podsToDelete, slowStartBatches } from './pod-util.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: number; restarts?: number; created?: number; cost?: string; deleting?: boolean } = {}): Pod {
  return {
    metadata: {
      name,
      creationTimestamp: ago(o.created ?? 3600),
      ...(o.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}),
      ...(o.deleting ? { deletionTimestamp: ago(0) } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: ago(o.readySince ?? 600) }],
      containerStatuses: [{ name: 'c', ready: o.ready !== false, restartCount: o.restarts ?? 0, image: 'i', imageID: '' }],
    },
  };
}

const order = (pods: Pod[]) => [...pods].sort(compareForDeletion(NOW)).map((p) => p.metadata!.name);

describe('slowStartBatches', () => {
  it('doubles from 1 and ends with what remains', () => {
    assert.deepEqual(slowStartBatches(0), []);
    assert.deepEqual(slowStartBatches(1), [1]);
    assert.deepEqual(slowStartBatches(10), [1, 2, 4, 3]);
    assert.deepEqual(slowStartBatches(500), [1, 2, 4, 8, 16, 32, 64, 128, 245]);
  });
});

describe('pod facts', () => {
  it('active excludes finished and deleting pods', () => {
    assert.equal(isPodActive(pod('a')), true);
    assert.equal(isPodActive(pod('b', { phase: 'Failed' })), false);
    assert.equal(isPodActive(pod('c', { phase: 'Succeeded' })), false);
    assert.equal(isPodActive(pod('d', { deleting: true })), false);
  });

  it('available needs Ready for minReadySeconds', () => {
    assert.equal(isPodAvailable(pod('a', { readySince: 5 }), 0, NOW), true);
    assert.equal(isPodAvailable(pod('a', { readySince: 5 }), 10, NOW), false);
    assert.equal(isPodAvailable(pod('a', { readySince: 15 }), 10, NOW), true);
    assert.equal(isPodAvailable(pod('a', { ready: false }), 0, NOW), false);
  });
});

describe('deletion ranking', () => {
  it('unassigned before assigned, pending before unknown before running, not ready before ready', () => {
    assert.deepEqual(order([pod('running', { node: 'n' }), pod('unassigned', { phase: 'Pending' })]), ['unassigned', 'running']);
    assert.deepEqual(order([pod('running', { node: 'n' }), pod('unknown', { node: 'n', phase: 'Unknown' }), pod('pending', { node: 'n', phase: 'Pending' })]), ['pending', 'unknown', 'running']);
    assert.deepEqual(order([pod('ready', { node: 'n' }), pod('unready', { node: 'n', ready: false })]), ['unready', 'ready']);
  });

  it('lower deletion cost, shorter readiness, more restarts, newer go first', () => {
    assert.deepEqual(order([pod('costly', { node: 'n', cost: '100' }), pod('cheap', { node: 'n', cost: '-5' })]), ['cheap', 'costly']);
    assert.deepEqual(order([pod('old-ready', { node: 'n', readySince: 10_000 }), pod('new-ready', { node: 'n', readySince: 3 })]), ['new-ready', 'old-ready']);
    assert.deepEqual(order([pod('calm', { node: 'n' }), pod('crashy', { node: 'n', restarts: 4 })]), ['crashy', 'calm']);
    assert.deepEqual(order([pod('older', { node: 'n', created: 100_000 }), pod('newer', { node: 'n', created: 10 })]), ['newer', 'older']);
  });

  it('prefers pods doubled up on a node with related pods', () => {
    const a = pod('a', { node: 'busy' });
    const b = pod('b', { node: 'busy' });
    const c = pod('c', { node: 'quiet' });
    const victims = podsToDelete([c, a], [a, b, c], 1, NOW);
    assert.equal(victims[0]!.metadata!.name, 'a');
  });
});
