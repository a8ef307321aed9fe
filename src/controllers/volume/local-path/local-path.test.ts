import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { localPathStorageClass, localPathVolume, shouldDelete, shouldProvision, unsupportedClaim } from './local-path.js';

const P = 'rancher.io/local-path';
const sc = localPathStorageClass();
const claim = (annotations: Record<string, string>, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'apps', uid: 'abc', annotations },
  spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...extra },
});
const asked = { 'volume.kubernetes.io/storage-provisioner': P };
const placed = { ...asked, 'volume.kubernetes.io/selected-node': 'n1' };

describe('local-path', () => {
  it('provisions only claims handed to it, and for WaitForFirstConsumer only once a node is selected', () => {
    assert.equal(shouldProvision(claim({}), sc, P), false);
    assert.equal(shouldProvision(claim(asked), sc, P), false);
    assert.equal(shouldProvision(claim(placed), sc, P), true);
    assert.equal(shouldProvision(claim({ 'volume.beta.kubernetes.io/storage-provisioner': P, 'volume.kubernetes.io/selected-node': 'n1' }), sc, P), true);
    assert.equal(shouldProvision(claim(placed, { volumeName: 'x' }), sc, P), false);
    assert.equal(shouldProvision(claim(placed), { ...sc, provisioner: 'other' }, P), false);
    assert.equal(shouldProvision(claim(asked), { ...sc, volumeBindingMode: 'Immediate' }, P), true);
  });

  it('refuses what a local directory cannot be', () => {
    assert.equal(unsupportedClaim(claim(placed)), undefined);
    assert.match(unsupportedClaim(claim(placed, { accessModes: ['ReadWriteMany'] }))!, /ReadWriteOnce/);
    assert.match(unsupportedClaim(claim(placed, { selector: { matchLabels: { a: 'b' } } }))!, /Selector/);
    assert.match(unsupportedClaim(claim(asked))!, /no node/);
  });

  it('makes a hostPath volume under the base directory, pinned to the node by its hostname label', () => {
    const node: Node = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'host-1' } } };
    const v = localPathVolume(claim(placed), sc, node, '/data/', P);
    assert.equal(v.metadata?.name, 'pvc-abc');
    assert.equal(v.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], P);
    assert.deepEqual(v.spec?.hostPath, { path: '/data/pvc-abc_apps_data', type: 'DirectoryOrCreate' });
    assert.deepEqual(v.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['host-1'] }] }]);
    assert.deepEqual(v.spec?.capacity, { storage: '2Gi' });
    assert.equal(v.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(v.spec?.claimRef?.uid, 'abc');
    assert.equal(v.spec?.storageClassName, 'local-path');
    const unlabelled = localPathVolume(claim(placed), sc, { metadata: { name: 'n2' } }, '/data', P);
    assert.deepEqual(unlabelled.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, ['n2']);
  });

  it('deletes only its own Released volumes with policy Delete', () => {
    const v: PersistentVolume = { metadata: { name: 'pvc-abc', annotations: { 'pv.kubernetes.io/provisioned-by': P } }, spec: { persistentVolumeReclaimPolicy: 'Delete' }, status: { phase: 'Released' } };
    assert.equal(shouldDelete(v, P), true);
    assert.equal(shouldDelete({ ...v, status: { phase: 'Bound' } }, P), false);
    assert.equal(shouldDelete({ ...v, spec: { persistentVolumeReclaimPolicy: 'Retain' } }, P), false);
    assert.equal(shouldDelete(v, 'other'), false);
    assert.equal(shouldDelete({ ...v, metadata: { ...v.metadata, deletionTimestamp: 'x' } }, P), false);
  });
});
