import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { claimBoundToVolume, claimWithProvisioner, claimWithStatus, volumeBoundToClaim, volumeUnbound, volumeWithPhase } from './binding.js';

const claim: PersistentVolumeClaim = { metadata: { name: 'c', namespace: 'ns', uid: 'u1', resourceVersion: '7' }, spec: { accessModes: ['ReadWriteOnce'] }, status: { phase: 'Pending' } };
const volume: PersistentVolume = { metadata: { name: 'v' }, spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }, status: { phase: 'Available' } };

describe('binding', () => {
  it('points a free volume at the claim and marks it bound by the controller', () => {
    const v = volumeBoundToClaim(volume, claim)!;
    assert.deepEqual(v.spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', uid: 'u1', apiVersion: 'v1', resourceVersion: '7' });
    assert.equal(v.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.equal(volume.spec?.claimRef, undefined, 'input untouched');
    assert.equal(volumeBoundToClaim(v, claim), undefined, 'nothing more to do');
  });

  it('completes a user pre-binding without claiming the choice', () => {
    const reserved = { ...volume, spec: { ...volume.spec, claimRef: { namespace: 'ns', name: 'c' } } };
    const v = volumeBoundToClaim(reserved, claim)!;
    assert.equal(v.spec?.claimRef?.uid, 'u1');
    assert.equal(v.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined);
  });

  it('sets the claim volumeName and bind-completed; bound-by-controller only when the binder chose', () => {
    const c = claimBoundToVolume(claim, volume)!;
    assert.equal(c.spec?.volumeName, 'v');
    assert.deepEqual(c.metadata?.annotations, { 'pv.kubernetes.io/bound-by-controller': 'yes', 'pv.kubernetes.io/bind-completed': 'yes' });
    const named = claimBoundToVolume({ ...claim, spec: { ...claim.spec, volumeName: 'v' } }, volume)!;
    assert.deepEqual(named.metadata?.annotations, { 'pv.kubernetes.io/bind-completed': 'yes' });
    assert.equal(claimBoundToVolume(c, volume), undefined);
  });

  it('copies capacity and access modes into a claim becoming Bound, and leaves a later capacity alone', () => {
    const c = claimWithStatus(claim, 'Bound', volume)!;
    assert.deepEqual(c.status, { phase: 'Bound', accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], capacity: { storage: '2Gi' } });
    const resized = { ...c, status: { ...c.status, capacity: { storage: '1Gi' } } };
    assert.equal(claimWithStatus(resized, 'Bound', volume), undefined);
    assert.equal(claimWithStatus(claim, 'Pending', undefined), undefined);
    assert.equal(claimWithStatus(c, 'Lost', undefined)?.status?.phase, 'Lost');
  });

  it('changes a volume phase only when it differs', () => {
    assert.equal(volumeWithPhase(volume, 'Available'), undefined);
    assert.deepEqual(volumeWithPhase(volume, 'Failed', 'boom')?.status, { phase: 'Failed', message: 'boom' });
  });

  it('unbinds: forgets a claim it chose, keeps a user reservation without its uid', () => {
    const byController = volumeBoundToClaim(volume, claim)!;
    const freed = volumeUnbound(byController);
    assert.equal(freed.spec?.claimRef, undefined);
    assert.equal(freed.metadata?.annotations, undefined);
    const byUser = volumeBoundToClaim({ ...volume, spec: { ...volume.spec, claimRef: { namespace: 'ns', name: 'c' } } }, claim)!;
    assert.deepEqual(volumeUnbound(byUser).spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', apiVersion: 'v1', resourceVersion: '7' });
  });

  it('annotates the claim for its provisioner under both names', () => {
    const c = claimWithProvisioner(claim, 'p')!;
    assert.equal(c.metadata?.annotations?.['volume.kubernetes.io/storage-provisioner'], 'p');
    assert.equal(c.metadata?.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], 'p');
    assert.equal(claimWithProvisioner(c, 'p'), undefined);
  });
});
