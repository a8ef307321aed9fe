import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { isPodTerminated, podClaimNames, podUsesClaim } from './pod-claims.js';
import { isDeletionCandidate, needToAddFinalizer, withFinalizer, withoutFinalizer } from './protection.js';

const F = 'kubernetes.io/pvc-protection';
const claim: PersistentVolumeClaim = { metadata: { name: 'data', namespace: 'ns', uid: 'c1' } };

function pod(o: { node?: string; claim?: string; ephemeral?: string; phase?: string; uid?: string; deletion?: number } = {}): Pod {
  const volumes = [];
  if (o.claim) volumes.push({ name: 'v', persistentVolumeClaim: { claimName: o.claim } });
  if (o.ephemeral) volumes.push({ name: o.ephemeral, ephemeral: { volumeClaimTemplate: { spec: {} } } });
  return {
    metadata: { name: 'web', namespace: 'ns', uid: o.uid ?? 'p1', ...(o.deletion !== undefined ? { deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: o.deletion } : {}) },
    spec: { containers: [], volumes, ...(o.node ? { nodeName: o.node } : {}) },
    status: { phase: o.phase ?? 'Running' },
  };
}

describe('finalizers', () => {
  it('knows when to add and when to consider removing', () => {
    assert.equal(needToAddFinalizer(claim, F), true);
    const held = withFinalizer(claim, F);
    assert.deepEqual(held.metadata?.finalizers, [F]);
    assert.equal(needToAddFinalizer(held, F), false);
    const deleting = { ...held, metadata: { ...held.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    assert.equal(isDeletionCandidate(deleting, F), true);
    assert.equal(needToAddFinalizer({ ...claim, metadata: { ...claim.metadata, deletionTimestamp: 'x' } }, F), false);
    assert.deepEqual(withoutFinalizer({ metadata: { finalizers: ['a', F] } }, F).metadata?.finalizers, ['a']);
  });
});

describe('podUsesClaim', () => {
  it('counts only scheduled pods naming the claim, whatever their phase (as upstream)', () => {
    assert.equal(podUsesClaim(pod({ node: 'n', claim: 'data' }), claim), true);
    assert.equal(podUsesClaim(pod({ claim: 'data' }), claim), false, 'unscheduled');
    assert.equal(podUsesClaim(pod({ node: 'n', claim: 'other' }), claim), false);
    assert.equal(podUsesClaim(pod({ node: 'n', claim: 'data', phase: 'Succeeded' }), claim), true);
  });

  it('counts an ephemeral claim only for the pod that owns it, and not once the pod is shut down', () => {
    const eph: PersistentVolumeClaim = { metadata: { name: 'web-scratch', namespace: 'ns', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'p1', controller: true }] } };
    assert.equal(podUsesClaim(pod({ node: 'n', ephemeral: 'scratch' }), eph), true);
    assert.equal(podUsesClaim(pod({ node: 'n', ephemeral: 'scratch', uid: 'p2' }), eph), false);
    assert.equal(podUsesClaim(pod({ node: 'n', ephemeral: 'scratch', deletion: 0 }), eph), false);
    assert.deepEqual(podClaimNames(pod({ claim: 'data', ephemeral: 'scratch' })), ['data', 'web-scratch']);
  });

  it('isPodTerminated: final phases, or deleted with nothing running', () => {
    assert.equal(isPodTerminated(pod({ phase: 'Failed' })), true);
    assert.equal(isPodTerminated(pod()), false);
    assert.equal(isPodTerminated(pod({ deletion: 30 })), true);
    const running = pod({ deletion: 30 });
    running.status!.containerStatuses = [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } }];
    assert.equal(isPodTerminated(running), false);
  });
});
